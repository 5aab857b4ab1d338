// JSON file helpers; see json.h.
#include "dcgan/core/json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace dcgan {

namespace {

// Nothing the tool writes nests more than a few levels. A damaged file nested far deeper still
// parses (the parser is iterative), but copying, comparing or printing the value recurses once
// per level and overflows the stack, so such a file is refused like invalid JSON.
constexpr int kMaxFileDepth = 512;

struct NestedTooDeep {};

const char* const kTooDeep = "arrays and objects nested deeper than 512 levels";

// Json::parse that throws NestedTooDeep past kMaxFileDepth (and Json::exception as ever).
Json parse_bounded(const std::string& text) {
  return Json::parse(text, [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxFileDepth) throw NestedTooDeep{};
    return true;
  });
}

bool accept_bounded(const std::string& text) {
  try {
    parse_bounded(text);
    return true;
  } catch (const Json::exception&) {
    return false;
  } catch (const NestedTooDeep&) {
    return false;
  }
}

}  // namespace

Json read_json_file(const std::string& path) { return parse_json_text(read_file(path), path); }

Json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return parse_bounded(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw DataError(source + " is not valid JSON: " + e.what());
  } catch (const NestedTooDeep&) {
    throw DataError(source + " is not valid JSON: " + kTooDeep);
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
      records.push_back(parse_bounded(line));
    } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
      // Only fatal when a later line exists: the last line may be torn by a crash.
      pending_error = path + ":" + std::to_string(line_no) + " is not valid JSON: " + e.what();
    } catch (const NestedTooDeep&) {
      pending_error = path + ":" + std::to_string(line_no) + " is not valid JSON: " + kTooDeep;
    }
  }
  return records;
}

namespace {

std::string errno_text() { return std::strerror(errno); }

// Reads exactly `n` bytes at `offset`.
void read_at(int fd, char* buffer, size_t n, off_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, buffer + done, n - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw IoError("cannot read " + path + ": " + (got < 0 ? errno_text() : "file shrank"));
    done += static_cast<size_t>(got);
  }
}

// The last line of the file at `fd` (without its newline, if it has one) and the offset where
// it starts, found by reading backwards block by block from the end.
struct LastLine {
  std::string text;
  off_t start = 0;
  bool ended = false;  // followed by a newline
};

LastLine read_last_line(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw IoError("cannot stat " + path + ": " + errno_text());
  constexpr off_t kBlock = 64 * 1024;
  LastLine last;
  off_t end = info.st_size;
  if (end > 0) {
    char final_byte = 0;
    read_at(fd, &final_byte, 1, end - 1, path);
    last.ended = final_byte == '\n';
    if (last.ended) --end;
  }
  std::vector<char> block(kBlock);
  while (end > 0) {
    const off_t begin = std::max<off_t>(0, end - kBlock);
    const size_t n = static_cast<size_t>(end - begin);
    read_at(fd, block.data(), n, begin, path);
    size_t k = n;
    while (k > 0 && block[k - 1] != '\n') --k;
    last.text.insert(0, block.data() + k, n - k);
    if (k > 0) {
      last.start = begin + static_cast<off_t>(k);
      break;
    }
    end = begin;
  }
  return last;
}

// Makes the file at `fd` end with a newline or be empty (see JsonlWriter), so that the records
// appended next are read back with everything read_jsonl_file accepted before: the last line is
// the one line the reader forgives for not being JSON, so it must not stay in the middle. It is
// cut off when it is not one whole JSON value (with or without its newline: a file whose torn
// line a writer ended before this repair existed), and ended with a newline when it is one.
void repair_tail(int fd, const std::string& path) {
  const LastLine last = read_last_line(fd, path);
  if (last.text.empty()) return;
  if (accept_bounded(last.text)) {
    if (last.ended) return;
    if (::write(fd, "\n", 1) != 1) throw IoError("cannot append to " + path + ": " + errno_text());
    return;
  }
  if (::ftruncate(fd, last.start) != 0) {
    throw IoError("cannot cut the torn last line of " + path + ": " + errno_text());
  }
  DCGAN_WARN("dropped the torn last line of " << path << " (" << last.text.size()
                                              << " bytes, left by an interrupted write)");
}

}  // namespace

JsonlWriter::JsonlWriter(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError("cannot open " + path + " for appending: " + errno_text());
  try {
    repair_tail(fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  file_ = ::fdopen(fd, "a");
  if (file_ == nullptr) {
    const std::string why = errno_text();
    ::close(fd);
    throw IoError("cannot open " + path + " for appending: " + why);
  }
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

void JsonlWriter::append(const Json& record) { append_all(std::vector<Json>(1, record)); }

void JsonlWriter::append_all(const std::vector<Json>& records) {
  if (file_ == nullptr) throw IoError("JSON Lines writer is not open");
  std::string lines;
  for (const Json& record : records) lines += record.dump() + "\n";
  if (std::fwrite(lines.data(), 1, lines.size(), file_) != lines.size() ||
      std::fflush(file_) != 0) {
    throw IoError("cannot append to " + path_ + ": " + errno_text());
  }
}

}  // namespace dcgan
