// A download in progress: bytes stream into DIR/STEM.part while the first bytes are checked
// against the image magic numbers (an HTML error page is refused after a few bytes) and an
// md5 is computed. A verified file is handed to the FileCommitter (file_committer.h), which
// makes it final; the destructor removes a .part that was not handed over. It does not fetch
// anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

  // After a complete transfer: "" when the bytes are a whole image (image_cut_short) and have
  // `expected_md5`, when given; else what is wrong with them.
  std::string verify(const std::string& expected_md5);
  // Closes the verified .part and gives it up (the destructor no longer removes it).
  // Returns the final name it is to get (not path), e.g. "konachan-123.jpg".
  std::string release();

  const std::string& part_path() const { return part_path_; }
  int64_t bytes() const { return bytes_; }
  const std::string& md5() const { return md5_hex_; }
  // Set when the disk refused a write (full, read-only, failing): the folder's problem, not the
  // item's, which the crawl stops on (exit 3) instead of recording the post as failed.
  const std::string& disk_error() const { return disk_error_; }

 private:
  void close_fd();

  std::string dir_, stem_, part_path_;
  int fd_ = -1;
  std::string head_;  // first bytes, until the type is known
  std::string tail_;  // the last bytes written (at least kTailBytes of them, when there are)
  std::string extension_;
  int64_t bytes_ = 0;
  Md5 md5_;
  std::string md5_hex_;
  std::string disk_error_;
  bool released_ = false;
};

// The name stem of a post's download: "SITE-KEY", every byte of the post key (server data) but
// an ASCII letter or digit replaced by '_', so that no key can name a path, a dot file or
// another site's files.
std::string download_stem(const std::string& site, const std::string& post_key);

// The file names a post's file may have, one per image type ("konachan-1.jpg", ...).
std::vector<std::string> image_names(const std::string& stem);

// Removes DIR/*.part left behind by a killed run (names starting with one of `prefixes`).
// Returns how many were removed.
int remove_stale_parts(const std::string& dir, const std::vector<std::string>& prefixes);

}  // namespace dcgan::crawl
