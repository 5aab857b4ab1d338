// Header parsing for JPEG (SOFn segment), PNG (IHDR), BMP (BITMAPINFOHEADER) and WebP (VP8,
// VP8L, VP8X chunks), following each format's published layout; see image_header.h.
#include "dcgan/vision/image_header.h"

#include <cstdint>

namespace dcgan::vision {
namespace {

uint32_t byte_at(std::string_view b, size_t i) { return static_cast<unsigned char>(b[i]); }
uint32_t be16(std::string_view b, size_t i) { return byte_at(b, i) << 8 | byte_at(b, i + 1); }
uint32_t be32(std::string_view b, size_t i) { return be16(b, i) << 16 | be16(b, i + 2); }
uint32_t le16(std::string_view b, size_t i) { return byte_at(b, i) | byte_at(b, i + 1) << 8; }
uint32_t le24(std::string_view b, size_t i) { return le16(b, i) | byte_at(b, i + 2) << 16; }
uint32_t le32(std::string_view b, size_t i) { return le16(b, i) | le16(b, i + 2) << 16; }

bool is_jpeg(std::string_view b) { return b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF"; }

std::optional<cv::Size2l> size_of(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) return std::nullopt;  // nothing a decoder could allocate
  return cv::Size2l(width, height);
}

std::optional<cv::Size2l> jpeg_size(std::string_view b) {
  size_t i = 2;
  while (i + 9 < b.size()) {
    if (byte_at(b, i) != 0xFF) return std::nullopt;
    uint32_t marker = byte_at(b, i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      // A height of 0 means "given later by a DNL marker", which libjpeg does not support.
      return size_of(be16(b, i + 7), be16(b, i + 5));
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      i += 2;  // markers without a length
      continue;
    }
    i += 2 + be16(b, i + 2);
  }
  return std::nullopt;
}

std::optional<cv::Size2l> png_size(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return size_of(be32(b, 16), be32(b, 20));
}

std::optional<cv::Size2l> bmp_size(std::string_view b) {
  if (b.size() < 18) return std::nullopt;
  if (le32(b, 14) == 12) {  // BITMAPCOREHEADER (OS/2 1.x): unsigned 16-bit sides
    if (b.size() < 22) return std::nullopt;
    return size_of(le16(b, 18), le16(b, 20));
  }
  if (b.size() < 26) return std::nullopt;
  // Signed 32-bit; a negative height means stored top-down. In 64 bits, so that the magnitude
  // of INT32_MIN is representable.
  const int64_t width = static_cast<int32_t>(le32(b, 18));
  const int64_t height = static_cast<int32_t>(le32(b, 22));
  return size_of(width < 0 ? -width : width, height < 0 ? -height : height);
}

std::optional<cv::Size2l> webp_size(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 ") return size_of(le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  if (chunk == "VP8L") {
    uint32_t bits = le32(b, 21);
    return size_of((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (chunk == "VP8X") return size_of(le24(b, 24) + 1, le24(b, 27) + 1);
  return std::nullopt;
}

}  // namespace

std::optional<cv::Size2l> peek_image_size(std::string_view bytes) {
  if (is_jpeg(bytes)) return jpeg_size(bytes);
  if (bytes.size() >= 8 && bytes.substr(0, 8) == "\x89PNG\r\n\x1A\n") return png_size(bytes);
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "BM") return bmp_size(bytes);
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    return webp_size(bytes);
  }
  return std::nullopt;
}

bool is_truncated_jpeg(std::string_view bytes) {
  if (!is_jpeg(bytes)) return false;
  // Some writers append padding or metadata after the marker; look at the tail, not the
  // last two bytes. Entropy-coded data never contains FF D9 (FF is always stuffed).
  constexpr size_t kTail = 4096;
  std::string_view tail = bytes.substr(bytes.size() > kTail ? bytes.size() - kTail : 0);
  return tail.find("\xFF\xD9") == std::string_view::npos;
}

}  // namespace dcgan::vision
