// Small helpers around nlohmann::json for the files the tool writes and reads:
// whole JSON documents (written atomically) and JSON Lines logs (appended, one flush per line).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dcgan {

using Json = nlohmann::json;

// Parses a JSON file; throws IoError/DataError naming the path.
Json read_json_file(const std::string& path);
// Parses JSON text from `source` (a file, or a part of one); throws DataError naming it.
Json parse_json_text(const std::string& text, const std::string& source);
// Writes `value` pretty-printed, atomically.
void write_json_file(const std::string& path, const Json& value);

// Reads every complete line of a JSON Lines file. A torn last line (crash mid-append) is
// ignored; a malformed line elsewhere throws DataError naming the path and line number.
std::vector<Json> read_jsonl_file(const std::string& path);

// Appends records to a JSON Lines file, one line each, flushed per call. Opening repairs the
// end a crash or a full disk may have left: a torn last line (the last line, ended by a newline
// or not, when it is not one whole JSON value: what read_jsonl_file forgives) is cut off, so the
// next record does not glue onto it or leave it in the middle of the file, where it would make
// the file unreadable; a whole record that only lacks its newline (which read_jsonl_file
// accepts) is kept and gets the newline.
class JsonlWriter {
 public:
  JsonlWriter() = default;
  explicit JsonlWriter(const std::string& path);
  ~JsonlWriter();
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  JsonlWriter(JsonlWriter&& other) noexcept;
  JsonlWriter& operator=(JsonlWriter&& other) noexcept;

  void append(const Json& record);
  // Appends every record with one write and one flush.
  void append_all(const std::vector<Json>& records);
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace dcgan
