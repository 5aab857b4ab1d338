// Crop geometry: margin, shift, clamping (re-squared, or empty when nothing is left) and
// padding (edge repeated).
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/vision/cropper.h"

using namespace dcgan::vision;

TEST(Cropper, NoMarginIsTheBox) {
  CropGeometry g;
  EXPECT_EQ(crop_region({10, 20, 50, 50}, {200, 200}, g), cv::Rect(10, 20, 50, 50));
}

TEST(Cropper, MarginGrowsEachSideAndShiftMovesUp) {
  CropGeometry g;
  g.margin = 0.1;
  EXPECT_EQ(crop_region({50, 50, 100, 100}, {400, 400}, g), cv::Rect(40, 40, 120, 120));
  g.shift_up = 0.2;
  EXPECT_EQ(crop_region({50, 50, 100, 100}, {400, 400}, g), cv::Rect(40, 20, 120, 120));
}

TEST(Cropper, ClampKeepsASquareInsideTheImage) {
  CropGeometry g;
  g.margin = 0.25;  // 100 -> 150, from (-25,-25): clamped to 125x125, squared 125
  const cv::Rect r = crop_region({0, 0, 100, 100}, {300, 300}, g);
  EXPECT_EQ(r, cv::Rect(0, 0, 125, 125));
  const cv::Rect tall = crop_region({0, 50, 100, 100}, {300, 300}, g);  // width-limited
  EXPECT_EQ(tall.width, tall.height);
  EXPECT_EQ(tall.x, 0);
  EXPECT_EQ(tall.width, 125);
}

TEST(Cropper, ClampToNothingGivesAnEmptyRegion) {
  // --shift-up 1 moves the region of a box on the top edge wholly above the image (and -1 one
  // on the bottom edge below it): clamped, nothing is left, which the caller must skip.
  CropGeometry g;
  g.shift_up = 1.0;
  EXPECT_TRUE(crop_region({10, 0, 50, 50}, {200, 200}, g).empty());
  EXPECT_FALSE(crop_region({10, 1, 50, 50}, {200, 200}, g).empty());
  g.shift_up = -1.0;
  EXPECT_TRUE(crop_region({10, 150, 50, 50}, {200, 200}, g).empty());
  g.margin = 0.1;  // grows past the edge again
  EXPECT_FALSE(crop_region({10, 150, 50, 50}, {200, 200}, g).empty());
  g.margin = 0;
  g.pad = true;  // kept whole, edge pixels repeated
  EXPECT_EQ(crop_region({10, 150, 50, 50}, {200, 200}, g), cv::Rect(10, 200, 50, 50));
}

TEST(Cropper, PadRepeatsEdgePixels) {
  CropGeometry g;
  g.margin = 0.5;
  g.pad = true;
  g.size = 20;
  cv::Mat image(100, 100, CV_8UC3, cv::Scalar(10, 20, 30));
  image(cv::Rect(0, 0, 100, 1)).setTo(cv::Scalar(200, 200, 200));  // a bright top row
  const cv::Rect r = crop_region({0, 0, 20, 20}, image.size(), g);
  EXPECT_EQ(r, cv::Rect(-10, -10, 40, 40));
  const cv::Mat face = cut_face(image, r, g);
  EXPECT_EQ(face.size(), cv::Size(20, 20));
  EXPECT_EQ(face.at<cv::Vec3b>(0, 10), cv::Vec3b(200, 200, 200));  // top edge repeated upward
  EXPECT_EQ(face.at<cv::Vec3b>(19, 0), cv::Vec3b(10, 20, 30));
}

TEST(Cropper, Validation) {
  CropGeometry g;
  g.margin = -0.1;
  EXPECT_THROW(g.validate(), dcgan::ConfigError);
  g = CropGeometry();
  g.size = 4;
  EXPECT_THROW(g.validate(), dcgan::ConfigError);
}
