// Post identity and file choice; see post.h.
#include "dcgan/crawl/post.h"

#include <cctype>

namespace dcgan::crawl {
namespace {

bool is_image_extension(const std::string& ext) {
  for (const char* image : {"jpg", "jpeg", "png", "gif", "webp"}) {
    if (ext == image) return true;
  }
  return false;
}

}  // namespace

std::string Post::key() const { return id > 0 ? std::to_string(id) : md5; }

std::optional<FileChoice> choose_file(const Post& post, FileKind kind) {
  // Larger files first in fallback order, so a missing sample never silently yields a
  // thumbnail.
  const std::string* order[] = {&post.preview_url, &post.sample_url, &post.jpeg_url,
                                &post.file_url};
  for (int i = static_cast<int>(kind); i < 4; ++i) {
    if (kind == FileKind::kPreview && i > 0) break;
    if (order[i]->empty()) continue;
    // Moebooru gives sample_url == file_url when a post has no sample: those bytes are the
    // original's, so its md5 applies.
    const bool is_original = *order[i] == post.file_url;
    if (is_original && !post.file_ext.empty() && !is_image_extension(post.file_ext)) break;
    return FileChoice{*order[i], is_original ? post.md5 : ""};
  }
  return std::nullopt;
}

bool normalise_md5(const std::string& text, std::string& out) {
  if (text.size() != 32) return false;
  std::string lower;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isxdigit(static_cast<unsigned char>(l))) return false;
    lower += l;
  }
  out = lower;
  return true;
}

std::string normalise_rating(const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"general", "safe", "sensitive", "questionable", "explicit"}) {
    if (lower == word || lower == std::string(1, word[0])) return std::string(1, word[0]);
  }
  return "";
}

}  // namespace dcgan::crawl
