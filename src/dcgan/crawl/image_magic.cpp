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

std::string image_cut_short(const std::string& extension, std::string_view head,
                            std::string_view tail, int64_t size) {
  if (extension == "jpg" && tail.find("\xFF\xD9") == std::string_view::npos) {
    return "JPEG without its end-of-image marker";
  }
  if (extension == "png" &&
      tail.find(std::string_view("IEND\xAE\x42\x60\x82", 8)) == std::string_view::npos) {
    return "PNG without its IEND chunk";
  }
  if (extension == "webp" && head.size() >= 8) {
    const int64_t riff_size = static_cast<int64_t>(static_cast<uint8_t>(head[4])) |
                              static_cast<int64_t>(static_cast<uint8_t>(head[5])) << 8 |
                              static_cast<int64_t>(static_cast<uint8_t>(head[6])) << 16 |
                              static_cast<int64_t>(static_cast<uint8_t>(head[7])) << 24;
    if (riff_size + 8 > size) {
      return "WebP of " + std::to_string(size) + " bytes, its header says " +
             std::to_string(riff_size + 8);
    }
  }
  return "";
}

}  // namespace dcgan::crawl
