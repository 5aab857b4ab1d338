// Helpers for the crop and prepare tests: input folders built from the shared illustrations,
// a CropConfig pointing at the shared cascade, and the crop manifest's records by kind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/vision/crop_pipeline.h"

namespace dcgan::testing {

// Copies `names` (relative to $DCGAN_SHARED/data/anime-illustrations) into `dir`, keeping
// their relative paths.
inline void copy_illustrations(const std::string& shared, const std::string& dir,
                               const std::vector<std::string>& names) {
  namespace fs = std::filesystem;
  for (const auto& name : names) {
    const fs::path target = fs::path(dir) / name;
    fs::create_directories(target.parent_path());
    fs::copy_file(fs::path(shared) / "data/anime-illustrations" / name, target,
                  fs::copy_options::overwrite_existing);
  }
}

inline vision::CropConfig crop_config(const std::string& shared, const std::string& in,
                                      const std::string& out) {
  vision::CropConfig config;
  config.in_dir = in;
  config.out_dir = out;
  config.cascade = shared + "/models/lbpcascade_animeface.xml";
  config.threads = 2;
  return config;
}

// The manifest's records of one kind ("face" or "source").
inline std::vector<Json> manifest_records(const std::string& out, const std::string& kind) {
  std::vector<Json> records;
  for (const Json& r : read_jsonl_file(out + "/manifest.jsonl")) {
    if (r.value("kind", "") == kind) records.push_back(r);
  }
  return records;
}

}  // namespace dcgan::testing
