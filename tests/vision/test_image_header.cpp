// Header sizes for real encoded images of every input format, and truncated-JPEG detection.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "dcgan/vision/image_header.h"

using namespace dcgan::vision;

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
      EXPECT_EQ(*peeked, size) << ext;
    }
  }
  // Lossless WebP uses the VP8L chunk.
  cv::Mat image(23, 41, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> bytes;
  cv::imencode(".webp", image, bytes, {cv::IMWRITE_WEBP_QUALITY, 101});
  EXPECT_EQ(peek_image_size(std::string(bytes.begin(), bytes.end())), cv::Size(41, 23));
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
