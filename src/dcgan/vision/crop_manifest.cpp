// Crop manifest records; see crop_manifest.h.
#include "dcgan/vision/crop_manifest.h"

#include <filesystem>
#include <map>

#include "dcgan/vision/dhash.h"

namespace dcgan::vision {
namespace {

Json rect_json(const cv::Rect& r) { return Json::array({r.x, r.y, r.width, r.height}); }

bool is_finished(const std::string& status) {
  return status == kSourceDone || status == kSourceGray || status == kSourceSmall;
}

}  // namespace

Json to_json(const FaceRecord& r) {
  Json j{{"kind", "face"},
         {"source", r.source},
         {"index", r.index},
         {"box", rect_json(r.box)},
         {"region", rect_json(r.region)},
         {"output", r.output.empty() ? Json() : Json(r.output)}};
  if (r.dhash) j["dhash"] = hash_to_hex(*r.dhash);
  if (!r.reason.empty()) {
    j["reason"] = r.reason;
    j["detail"] = r.detail;
  }
  return j;
}

Json to_json(const SourceRecord& r) {
  Json j{{"kind", "source"},      {"source", r.source},      {"status", r.status},
         {"width", r.size.width}, {"height", r.size.height}, {"faces", r.faces},
         {"written", r.written}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

CropManifestState read_crop_manifest(const std::string& path) {
  CropManifestState state;
  if (!std::filesystem::exists(path)) return state;
  // A source's face records precede its source record; faces of a source that never got a
  // finished record (crash mid-image) are redone and must not count as kept.
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> pending;
  for (const Json& record : read_jsonl_file(path)) {
    const std::string kind = record.value("kind", "");
    const std::string source = record.value("source", "");
    if (kind == "face" && record.contains("dhash") && record["output"].is_string()) {
      pending[source].emplace_back(hash_from_hex(record["dhash"].get<std::string>()),
                                   record["output"].get<std::string>());
    } else if (kind == "source") {
      auto faces = std::move(pending[source]);
      pending.erase(source);
      if (!is_finished(record.value("status", ""))) continue;
      state.finished_sources.insert(source);
      state.kept_hashes.insert(state.kept_hashes.end(), faces.begin(), faces.end());
    }
  }
  return state;
}

}  // namespace dcgan::vision
