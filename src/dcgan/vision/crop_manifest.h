// The crop manifest, OUT/manifest.jsonl: one JSON record per line for every face box (kept
// or rejected, with the reason) and every source image (done, skipped or failed). It makes a
// re-run skip finished sources and lets --dedupe compare against crops of earlier runs.
// Record layout is documented in docs/architecture.md ("crop").
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::vision {

// Source statuses; `done`, `gray` and `small` are final (a re-run skips them), `failed` is
// retried.
inline constexpr const char* kSourceDone = "done";
inline constexpr const char* kSourceGray = "gray";
inline constexpr const char* kSourceSmall = "small";
inline constexpr const char* kSourceFailed = "failed";

struct FaceRecord {
  std::string source;  // relative to --in
  int index = 0;       // detection index, the <i> of <stem>-<i>
  cv::Rect box;        // as detected
  cv::Rect region;     // what was cut (margin, shift, clamp or pad applied)
  std::string output;  // relative to --out; empty when rejected
  std::optional<uint64_t> dhash;
  std::string reason;  // why rejected: "min_face", "max_faces", "duplicate", "empty_region";
                       // empty when kept
  std::string detail;  // human-readable explanation of the reason
};

struct SourceRecord {
  std::string source;
  std::string status;  // kSource*
  cv::Size size;       // 0x0 when the image could not be read
  int faces = 0;       // boxes detected
  int written = 0;     // crops written
  std::string reason;  // for failed/gray/small: what happened, naming the file
};

Json to_json(const FaceRecord& record);
Json to_json(const SourceRecord& record);

// What a previous run left: sources that need no new pass, and the hashes of the crops they
// produced (for dedupe across runs). Missing file -> empty state; a torn last line is ignored;
// a record that is not one this tool writes (not an object, a field of the wrong type, a bad
// hash) throws DataError naming the file and the record.
struct CropManifestState {
  std::set<std::string> finished_sources;
  std::vector<std::pair<uint64_t, std::string>> kept_hashes;  // (dhash, output)
};
CropManifestState read_crop_manifest(const std::string& path);

}  // namespace dcgan::vision
