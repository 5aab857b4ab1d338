// Incremental MD5 (OpenSSL EVP) of downloaded bytes, to check files against the md5 the
// boards publish. Not for security: the boards use md5 as a content id.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace dcgan::crawl {

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void reset();
  void update(const void* data, size_t size);
  std::string hex_digest();  // lower-case, 32 digits; ends this run of updates

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// MD5 of a whole file; throws IoError naming it.
std::string md5_of_file(const std::string& path);

}  // namespace dcgan::crawl
