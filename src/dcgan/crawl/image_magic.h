// Image type from a file's first bytes (JPEG, PNG, GIF, WebP), so that an HTML error page
// or any other body is never stored as an image, and the file extension comes from the bytes
// rather than from a server-controlled name; and whether a file of that type is whole, from its
// first and last bytes, so that a body a lying Content-Length cut short is not kept. It does
// not decode images.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dcgan::crawl {

// Bytes needed to decide; fewer give "".
constexpr size_t kMagicBytes = 12;

// "jpg", "png", "gif", "webp", or "" when `head` (the first bytes) is none of them.
std::string image_extension(std::string_view head);

// How many of a file's last bytes image_cut_short() looks at (some writers append a little after
// the end marker).
constexpr size_t kTailBytes = 4096;

// "" when a `size`-byte file of type `extension` (image_extension's) with these first bytes
// (at least kMagicBytes) and last bytes (up to kTailBytes) ends where its format says, else
// what is missing. JPEG: an end-of-image marker (FF D9) in the tail, which entropy-coded data
// never holds; PNG: the IEND chunk; WebP: as many bytes as its RIFF header declares. GIF is
// taken as whole: its one-byte trailer also occurs inside image data.
std::string image_cut_short(const std::string& extension, std::string_view head,
                            std::string_view tail, int64_t size);

}  // namespace dcgan::crawl
