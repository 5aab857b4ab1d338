// JSON file helpers; see json.h.
#include "dcgan/core/json.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"

namespace dcgan {

Json read_json_file(const std::string& path) {
  std::string text = read_file(path);
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw DataError(path + " is not valid JSON: " + e.what());
  }
}

void write_json_file(const std::string& path, const Json& value) {
  atomic_write(path, value.dump(2) + "\n");
}

std::vector<Json> read_jsonl_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot read " + path + ": " + std::strerror(errno));
  std::vector<Json> records;
  std::string line;
  std::string pending_error;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!pending_error.empty()) throw DataError(pending_error);
    if (line.empty()) continue;
    try {
      records.push_back(Json::parse(line));
    } catch (const Json::parse_error& e) {
      // Only fatal when a later line exists: the last line may be torn by a crash.
      pending_error = path + ":" + std::to_string(line_no) + " is not valid JSON: " + e.what();
    }
  }
  return records;
}

JsonlWriter::JsonlWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) throw IoError("cannot open " + path + " for appending: " + std::strerror(errno));
}

JsonlWriter::~JsonlWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

JsonlWriter::JsonlWriter(JsonlWriter&& other) noexcept
    : path_(std::move(other.path_)), file_(std::exchange(other.file_, nullptr)) {}

JsonlWriter& JsonlWriter::operator=(JsonlWriter&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, nullptr);
  }
  return *this;
}

void JsonlWriter::append(const Json& record) {
  if (file_ == nullptr) throw IoError("JSON Lines writer is not open");
  std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw IoError("cannot append to " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace dcgan
