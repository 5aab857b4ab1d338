// MD5 over OpenSSL's EVP interface; see md5.h.
#include "dcgan/crawl/md5.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "dcgan/core/error.h"

namespace dcgan::crawl {

struct Md5::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : impl_(std::make_unique<Impl>()) {
  if (impl_->ctx == nullptr) throw Error("OpenSSL could not allocate an MD5 context");
  reset();
}

Md5::~Md5() = default;

void Md5::reset() { EVP_DigestInit_ex(impl_->ctx, EVP_md5(), nullptr); }

void Md5::update(const void* data, size_t size) { EVP_DigestUpdate(impl_->ctx, data, size); }

std::string Md5::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(impl_->ctx, digest, &length);
  std::string hex;
  char byte[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string md5_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path + " to check its md5");
  Md5 md5;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    md5.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw IoError("cannot read " + path + " to check its md5");
  return md5.hex_digest();
}

}  // namespace dcgan::crawl
