// A download in progress: bytes stream into DIR/STEM.part while the first bytes are checked
// against the image magic numbers (an HTML error page is refused after a few bytes) and an
// md5 is computed. commit() fsyncs the file, renames it to DIR/STEM.<ext from the bytes> and
// fsyncs the folder, so a final name always holds a whole file; the destructor removes a
// .part that was not committed. It does not fetch anything.
#pragma once

#include <cstdint>
#include <string>

#include "dcgan/crawl/http_client.h"
#include "dcgan/crawl/md5.h"

namespace dcgan::crawl {

class PartFile : public BodySink {
 public:
  PartFile(std::string dir, std::string stem);
  ~PartFile() override;
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void begin() override;  // (re)creates an empty .part; throws IoError naming it
  std::string write(const char* data, size_t size) override;

  // After a complete transfer: "" when the bytes are an image (and have `expected_md5`,
  // when given), else what is wrong with them.
  std::string verify(const std::string& expected_md5);
  // Makes the file final and returns its name (not path), e.g. "konachan-123.jpg".
  std::string commit();

  const std::string& part_path() const { return part_path_; }
  int64_t bytes() const { return bytes_; }
  const std::string& md5() const { return md5_hex_; }

 private:
  void close_fd();

  std::string dir_, stem_, part_path_;
  int fd_ = -1;
  std::string head_;  // first bytes, until the type is known
  std::string extension_;
  int64_t bytes_ = 0;
  Md5 md5_;
  std::string md5_hex_;
  bool committed_ = false;
};

// Removes DIR/*.part left behind by a killed run (names starting with one of `prefixes`).
// Returns how many were removed.
int remove_stale_parts(const std::string& dir, const std::vector<std::string>& prefixes);

}  // namespace dcgan::crawl
