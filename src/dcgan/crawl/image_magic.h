// Image type from a file's first bytes (JPEG, PNG, GIF, WebP), so that an HTML error page
// or any other body is never stored as an image, and the file extension comes from the bytes
// rather than from a server-controlled name. It does not decode images.
#pragma once

#include <string>
#include <string_view>

namespace dcgan::crawl {

// Bytes needed to decide; fewer give "".
constexpr size_t kMagicBytes = 12;

// "jpg", "png", "gif", "webp", or "" when `head` (the first bytes) is none of them.
std::string image_extension(std::string_view head);

}  // namespace dcgan::crawl
