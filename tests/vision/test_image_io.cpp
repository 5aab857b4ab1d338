// Image io: round trips, alpha composited on white, clear errors naming the file.
#include "dcgan/vision/image_io.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dcgan/core/error.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

TEST(ImageIo, PngRoundTripIsExact) {
  TempDir tmp;
  cv::Mat img(9, 7, CV_8UC3);
  cv::randu(img, 0, 256);
  write_image(tmp / "x.png", img);
  cv::Mat back = read_image(tmp / "x.png");
  EXPECT_EQ(cv::norm(img, back, cv::NORM_INF), 0.0);
}

TEST(ImageIo, AlphaIsCompositedOnWhiteAndGrayExpands) {
  TempDir tmp;
  cv::Mat rgba(2, 2, CV_8UC4, cv::Scalar(0, 0, 0, 0));  // fully transparent black
  write_image(tmp / "a.png", rgba);
  EXPECT_EQ(read_image(tmp / "a.png").at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  cv::Mat gray(3, 3, CV_8UC1, cv::Scalar(77));
  write_image(tmp / "g.png", gray);
  cv::Mat color = read_image(tmp / "g.png");
  EXPECT_EQ(color.channels(), 3);
  EXPECT_EQ(color.at<cv::Vec3b>(1, 1), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(read_image(tmp / "g.png", ReadMode::kUnchanged).channels(), 1);
}

TEST(ImageIo, BadFilesGiveErrorsNamingThem) {
  TempDir tmp;
  std::ofstream(tmp / "empty.jpg").close();
  std::ofstream(tmp / "text.jpg") << "<html>not an image</html>";
  for (const char* name : {"empty.jpg", "text.jpg"}) {
    try {
      read_image(tmp / name);
      FAIL() << name;
    } catch (const dcgan::DataError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_image(tmp / "missing.png"), dcgan::IoError);
  EXPECT_THROW(write_image(tmp / "x.tga", cv::Mat(2, 2, CV_8UC3)), dcgan::ConfigError);
}

TEST(ImageIo, ExtensionFilter) {
  EXPECT_TRUE(has_image_extension("a/b.JPG"));
  EXPECT_TRUE(has_image_extension("x.webp"));
  EXPECT_FALSE(has_image_extension("x.txt"));
  EXPECT_FALSE(has_image_extension("jpg"));
}
