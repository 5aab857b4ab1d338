// One image-board post as the listing pages describe it, whichever format they came in
// (Moebooru HTML, Post.register JSON, Moebooru or Danbooru API), and the choice of which of
// its files to download. No network or storage here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dcgan/crawl/crawl_config.h"

namespace dcgan::crawl {

struct Post {
  int64_t id = 0;      // 0 = unknown (a page gave only a thumbnail)
  std::string md5;     // md5 of the original file, lower-case hex; "" when unknown
  std::string tags;    // space-separated
  std::string rating;  // "g", "s", "q", "e" or "" when unknown
  std::string file_ext;
  int64_t file_size = 0;  // bytes of the original; 0 = unknown
  int width = 0, height = 0;
  std::string preview_url, sample_url, jpeg_url, file_url;  // absolute; "" when absent

  // The post's identity within a site: its id, else its md5. "" when it has neither.
  std::string key() const;
};

struct FileChoice {
  std::string url;
  // The md5 the downloaded bytes must have: only the original file has the post's md5.
  std::string expected_md5;
};

// The URL for `kind`, falling back to the next larger file the post has (sample -> jpeg ->
// original; jpeg -> original). nullopt when the post has none (deleted or restricted posts),
// or when it would be an original that is not an image (Danbooru mp4/webm/zip, Moebooru swf).
std::optional<FileChoice> choose_file(const Post& post, FileKind kind);

// A rating as one letter: "s"/"Safe"/"safe" -> "s", "general" -> "g", "sensitive" -> "s",
// "questionable" -> "q", "explicit" -> "e"; "" when it is none of them.
std::string normalise_rating(const std::string& text);

// True when 32 lower-case hex digits (after lower-casing `text` into `out`).
bool normalise_md5(const std::string& text, std::string& out);

}  // namespace dcgan::crawl
