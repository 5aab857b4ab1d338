// Magic numbers: JPEG FF D8 FF; PNG 89 'PNG' 0D 0A 1A 0A; GIF 'GIF87a'/'GIF89a';
// WebP 'RIFF' <size> 'WEBP'.
#include "dcgan/crawl/image_magic.h"

namespace dcgan::crawl {

std::string image_extension(std::string_view head) {
  if (head.size() < kMagicBytes) return "";
  if (head.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3)) return "jpg";
  if (head.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return "png";
  if (head.substr(0, 6) == "GIF87a" || head.substr(0, 6) == "GIF89a") return "gif";
  if (head.substr(0, 4) == "RIFF" && head.substr(8, 4) == "WEBP") return "webp";
  return "";
}

}  // namespace dcgan::crawl
