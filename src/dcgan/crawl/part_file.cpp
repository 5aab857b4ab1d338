// .part download files; see part_file.h.
#include "dcgan/crawl/part_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "dcgan/core/error.h"
#include "dcgan/crawl/image_magic.h"

namespace fs = std::filesystem;

namespace dcgan::crawl {
namespace {

constexpr const char* kImageExtensions[] = {"jpg", "png", "gif", "webp"};

std::string printable_head(const std::string& head) {
  std::string out;
  for (char c : head) out += (c >= 32 && c < 127) ? c : '.';
  return out;
}

}  // namespace

PartFile::PartFile(std::string dir, std::string stem)
    : dir_(std::move(dir)), stem_(std::move(stem)), part_path_(dir_ + "/" + stem_ + ".part") {}

PartFile::~PartFile() {
  close_fd();
  if (!released_) ::unlink(part_path_.c_str());
}

void PartFile::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void PartFile::begin() {
  close_fd();
  fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError("cannot create " + part_path_ + ": " + std::strerror(errno));
  head_.clear();
  tail_.clear();
  extension_.clear();
  bytes_ = 0;
  md5_.reset();
}

std::string PartFile::write(const char* data, size_t size) {
  if (extension_.empty()) {
    head_.append(data, std::min(size, kMagicBytes - head_.size()));
    if (head_.size() >= kMagicBytes) {
      extension_ = image_extension(head_);
      if (extension_.empty()) return "not an image (body starts '" + printable_head(head_) + "')";
    }
  }
  md5_.update(data, size);
  // Kept between kTailBytes and twice that, so each byte is copied at most twice.
  if (size >= kTailBytes) {
    tail_.assign(data + size - kTailBytes, kTailBytes);
  } else {
    tail_.append(data, size);
    if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
  }
  for (size_t done = 0; done < size;) {
    ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      disk_error_ = "cannot write " + part_path_ + ": " + std::strerror(errno);
      return disk_error_;
    }
    done += static_cast<size_t>(n);
  }
  bytes_ += static_cast<int64_t>(size);
  return "";
}

std::string PartFile::verify(const std::string& expected_md5) {
  md5_hex_ = md5_.hex_digest();
  if (extension_.empty()) {
    return "not an image (" + std::to_string(bytes_) + " bytes: '" + printable_head(head_) + "')";
  }
  const std::string cut_short = image_cut_short(
      extension_, head_,
      std::string_view(tail_).substr(tail_.size() - std::min(tail_.size(), kTailBytes)), bytes_);
  if (!cut_short.empty()) {
    return "incomplete image (" + cut_short + ", " + std::to_string(bytes_) +
           " bytes): the transfer ended early";
  }
  if (!expected_md5.empty() && md5_hex_ != expected_md5) {
    return "md5 mismatch (got " + md5_hex_ + ", the site says " + expected_md5 + ")";
  }
  return "";
}

std::string PartFile::release() {
  close_fd();
  released_ = true;
  return stem_ + "." + extension_;
}

std::string download_stem(const std::string& site, const std::string& post_key) {
  std::string stem = site + "-";
  for (char c : post_key) {
    const bool ascii_alnum =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    stem += ascii_alnum ? c : '_';
  }
  return stem;
}

std::vector<std::string> image_names(const std::string& stem) {
  std::vector<std::string> names;
  for (const char* ext : kImageExtensions) names.push_back(stem + "." + ext);
  return names;
}

int remove_stale_parts(const std::string& dir, const std::vector<std::string>& prefixes) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".part") continue;
    for (const auto& prefix : prefixes) {
      if (name.rfind(prefix, 0) == 0 && fs::remove(entry.path(), ec)) {
        ++removed;
        break;
      }
    }
  }
  return removed;
}

}  // namespace dcgan::crawl
