// Crop manifest records; see crop_manifest.h.
#include "dcgan/vision/crop_manifest.h"

#include <filesystem>
#include <map>

#include "dcgan/core/error.h"
#include "dcgan/vision/dhash.h"

namespace dcgan::vision {
namespace {

Json rect_json(const cv::Rect& r) { return Json::array({r.x, r.y, r.width, r.height}); }

bool is_finished(const std::string& status) {
  return status == kSourceDone || status == kSourceGray || status == kSourceSmall;
}

// A string field of a record: "" when it is absent or null; anything else is not a record this
// tool wrote, and reading on would guess.
std::string string_field(const Json& record, const char* field, const std::string& where) {
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return "";
  if (!it->is_string()) throw DataError(where + ": \"" + field + "\" is not a string");
  return it->get<std::string>();
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
  const std::vector<Json> records = read_jsonl_file(path);
  for (size_t i = 0; i < records.size(); ++i) {
    const Json& record = records[i];
    const std::string where = path + " record " + std::to_string(i + 1);
    if (!record.is_object()) {
      throw DataError(where +
                      " is not a JSON object; the manifest is damaged (move it away to "
                      "crop every source again)");
    }
    const std::string kind = string_field(record, "kind", where);
    const std::string source = string_field(record, "source", where);
    if (kind == "face") {
      const std::string dhash = string_field(record, "dhash", where);
      const std::string output = string_field(record, "output", where);
      if (dhash.empty() || output.empty()) continue;  // rejected, or hashing was off
      try {
        pending[source].emplace_back(hash_from_hex(dhash), output);
      } catch (const DataError& e) {
        throw DataError(where + ": " + e.what());
      }
    } else if (kind == "source") {
      auto faces = std::move(pending[source]);
      pending.erase(source);
      if (!is_finished(string_field(record, "status", where))) continue;
      state.finished_sources.insert(source);
      state.kept_hashes.insert(state.kept_hashes.end(), faces.begin(), faces.end());
    }
  }
  return state;
}

}  // namespace dcgan::vision
