// Post identity and file choice; see post.h.
#include "dcgan/crawl/post.h"

#include <cctype>

namespace dcgan::crawl {

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

}  // namespace dcgan::crawl
