// Monochrome detection on real illustrations: colour pictures pass, their gray versions (also
// after a colour JPEG round trip) are caught.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dcgan/vision/gray_filter.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::vision;

TEST(GrayFilter, SyntheticExtremes) {
  EXPECT_TRUE(is_monochrome(cv::Mat(10, 10, CV_8UC1, cv::Scalar(128))));
  EXPECT_TRUE(is_monochrome(cv::Mat(10, 10, CV_8UC3, cv::Scalar(90, 90, 90))));
  EXPECT_FALSE(is_monochrome(cv::Mat(10, 10, CV_8UC3, cv::Scalar(200, 40, 40))));
  EXPECT_DOUBLE_EQ(colourful_fraction(cv::Mat(10, 10, CV_8UC3, cv::Scalar(0, 0, 200))), 1.0);
}

TEST(GrayFilter, RealIllustrationsAndTheirGrayVersions) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  const std::string dir = shared + "/data/anime-illustrations/";
  for (const char* name : {"tadne-tiles/tile_00.jpg", "tadne-tiles/tile_13.jpg",
                           "tadne-tiles/tile_27.jpg", "miku_bg.png", "miku_small.png"}) {
    const cv::Mat colour = read_image(dir + name);
    EXPECT_FALSE(is_monochrome(colour)) << name << " " << colourful_fraction(colour);
    cv::Mat gray, gray3;
    cv::cvtColor(colour, gray, cv::COLOR_BGR2GRAY);
    cv::cvtColor(gray, gray3, cv::COLOR_GRAY2BGR);
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", gray3, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70});
    EXPECT_TRUE(is_monochrome(decode_image(jpeg, name))) << name;
  }
}
