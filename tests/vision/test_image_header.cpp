// Header sizes for real encoded images of every input format, truncated-JPEG detection, and
// the decompression-bomb guard of load_input_image on hand-made headers: sizes past 2^31,
// huge frames, and files whose size cannot be read are refused before any decoding.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "dcgan/core/atomic_file.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_header.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

namespace {
std::string encode(const std::string& ext, cv::Size size) {
  cv::Mat image(size, CV_8UC3);
  cv::randu(image, 0, 256);
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(ext, image, bytes));
  return std::string(bytes.begin(), bytes.end());
}
}  // namespace

TEST(ImageHeader, SizesOfEveryFormat) {
  for (const char* ext : {".jpg", ".png", ".bmp", ".webp"}) {
    for (cv::Size size : {cv::Size(1, 1), cv::Size(37, 5), cv::Size(300, 1201)}) {
      auto peeked = peek_image_size(encode(ext, size));
      ASSERT_TRUE(peeked.has_value()) << ext;
      EXPECT_EQ(*peeked, cv::Size2l(size.width, size.height)) << ext;
    }
  }
  // Lossless WebP uses the VP8L chunk.
  cv::Mat image(23, 41, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> bytes;
  cv::imencode(".webp", image, bytes, {cv::IMWRITE_WEBP_QUALITY, 101});
  EXPECT_EQ(peek_image_size(std::string(bytes.begin(), bytes.end())), cv::Size2l(41, 23));
}

TEST(ImageHeader, UnknownOrCutHeaders) {
  EXPECT_FALSE(peek_image_size(""));
  EXPECT_FALSE(peek_image_size("<html>not an image</html>"));
  EXPECT_FALSE(peek_image_size(encode(".png", cv::Size(5, 5)).substr(0, 12)));
  EXPECT_FALSE(peek_image_size(encode(".jpg", cv::Size(5, 5)).substr(0, 20)));
}

TEST(ImageHeader, TruncatedJpeg) {
  const std::string jpeg = encode(".jpg", cv::Size(200, 200));
  EXPECT_FALSE(is_truncated_jpeg(jpeg));
  EXPECT_TRUE(is_truncated_jpeg(jpeg.substr(0, jpeg.size() / 2)));
  EXPECT_FALSE(is_truncated_jpeg(jpeg + std::string(100, '\0')));   // padding after the marker
  EXPECT_FALSE(is_truncated_jpeg(encode(".png", cv::Size(5, 5))));  // not a JPEG
}

namespace {

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }

// A PNG signature and IHDR chunk declaring width x height (8-bit RGB), then some IDAT bytes.
std::string png_header(uint32_t width, uint32_t height) {
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5) + be32(0) + be32(100) + "IDAT" +
         std::string(100, '\x78');
}

// A baseline JPEG start: SOI, then a SOF0 segment declaring width x height, 3 components.
std::string jpeg_header(uint16_t width, uint16_t height) {
  std::string sof = "\xFF\xD8\xFF\xC0";
  sof += std::string("\x00\x11\x08", 3);
  sof += {char(height >> 8), char(height), char(width >> 8), char(width)};
  sof += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  return sof + std::string(200, '\x00') + "\xFF\xD9";
}

// A BMP file header and BITMAPINFOHEADER with the given (signed) width and height, 24 bit.
std::string bmp_header(int32_t width, int32_t height) {
  return "BM" + le32(54 + 16) + le32(0) + le32(54) + le32(40) + le32(uint32_t(width)) +
         le32(uint32_t(height)) + std::string("\x01\x00\x18\x00", 4) + le32(0) + le32(16) +
         le32(2835) + le32(2835) + le32(0) + le32(0) + std::string(16, '\x7F');
}

// load_input_image's verdict on `bytes` stored as `name`: "refused", "error" or "decoded".
std::string verdict(const TempDir& tmp, const std::string& name, const std::string& bytes,
                    int64_t max_pixels = 100'000'000) {
  dcgan::atomic_write(tmp / name, bytes);
  try {
    load_input_image(tmp / name, max_pixels);
    return "decoded";
  } catch (const ImageRefused&) {
    return "refused";
  } catch (const dcgan::DataError&) {
    return "error";
  }
}

}  // namespace

TEST(ImageHeader, SidesPast2To31AreReadIn64Bits) {
  EXPECT_EQ(peek_image_size(png_header(0x80000000u, 3)), cv::Size2l(int64_t(1) << 31, 3));
  EXPECT_EQ(peek_image_size(png_header(0xFFFFFFFFu, 0xFFFFFFFFu)),
            cv::Size2l(0xFFFFFFFFll, 0xFFFFFFFFll));
  EXPECT_EQ(peek_image_size(bmp_header(INT32_MIN, -7)), cv::Size2l(int64_t(1) << 31, 7));
  EXPECT_EQ(peek_image_size(jpeg_header(65535, 65535)), cv::Size2l(65535, 65535));
  // OS/2 1.x bitmaps have a 12-byte header with 16-bit sides.
  const std::string core_bmp = "BM" + le32(26 + 3) + le32(0) + le32(26) + le32(12) +
                               std::string("\x2C\x01\x07\x00", 4) +
                               std::string("\x01\x00\x18\x00", 4) + std::string(3, '\x10');
  EXPECT_EQ(peek_image_size(core_bmp), cv::Size2l(300, 7));
  // A zero side is no size a decoder could use.
  EXPECT_FALSE(peek_image_size(png_header(0, 5)));
  EXPECT_FALSE(peek_image_size(jpeg_header(5, 0)));
}

TEST(ImageGuard, PngWidthOf2To31IsRefusedNotWrappedNegative) {
  TempDir tmp;
  EXPECT_EQ(verdict(tmp, "wide.png", png_header(0x80000000u, 1)), "refused");
  EXPECT_EQ(verdict(tmp, "both.png", png_header(0xFFFFFFFFu, 0xFFFFFFFFu)), "refused");
  EXPECT_EQ(verdict(tmp, "tall.png", png_header(1, 0x80000000u)), "refused");
  EXPECT_EQ(verdict(tmp, "big.png", png_header(20000, 20000)), "refused");  // 4e8 pixels
}

TEST(ImageGuard, JpegWithAHugeFrameIsRefused) {
  TempDir tmp;
  EXPECT_EQ(verdict(tmp, "huge.jpg", jpeg_header(65535, 65535)), "refused");
  EXPECT_EQ(verdict(tmp, "over.jpg", jpeg_header(200, 100), 19'999), "refused");
}

TEST(ImageGuard, BmpWithTheMostNegativeWidthIsRefused) {
  TempDir tmp;
  EXPECT_EQ(verdict(tmp, "min.bmp", bmp_header(INT32_MIN, 1)), "refused");
  EXPECT_EQ(verdict(tmp, "min-height.bmp", bmp_header(1, INT32_MIN)), "refused");
  EXPECT_EQ(verdict(tmp, "top-down.bmp", bmp_header(20000, -20000)), "refused");
}

TEST(ImageGuard, FilesWhoseSizeCannotBeReadAreNotDecoded) {
  TempDir tmp;
  // A PGM that OpenCV would decode, named .jpg: its header gives no size the guard can read.
  EXPECT_EQ(verdict(tmp, "netpbm.jpg", std::string("P5\n4 4\n255\n") + std::string(16, 'x')),
            "error");
  EXPECT_EQ(verdict(tmp, "garbage.png", std::string(64, '\x42')), "error");
  // A JPEG cut before its frame header.
  EXPECT_EQ(verdict(tmp, "cut.jpg", jpeg_header(20, 20).substr(0, 6)), "error");
  // A real image still decodes.
  cv::Mat image(7, 9, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> bytes;
  ASSERT_TRUE(cv::imencode(".png", image, bytes));
  EXPECT_EQ(verdict(tmp, "real.png", std::string(bytes.begin(), bytes.end())), "decoded");
}
