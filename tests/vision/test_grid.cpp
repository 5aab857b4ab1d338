// Grid tiler: every count from 1 to 130 gives a near-square sheet with each image in its cell.
#include "dcgan/vision/grid.h"

#include <gtest/gtest.h>

#include "dcgan/core/error.h"

using namespace dcgan::vision;

TEST(Grid, ShapeIsNearSquareForEveryCount) {
  for (int n = 1; n <= 130; ++n) {
    GridShape s = grid_shape(n);
    EXPECT_GE(s.rows * s.cols, n) << n;
    EXPECT_LT((s.rows - 1) * s.cols, n) << "an empty last row for n=" << n;
    EXPECT_LE(s.cols - s.rows, 1) << n;
    EXPECT_GE(s.cols, s.rows) << n;
  }
  EXPECT_EQ(grid_shape(64).cols, 8);
  EXPECT_EQ(grid_shape(10, 5).rows, 2);
}

TEST(Grid, PlacesImagesRowMajorWithPadding) {
  for (int n : {1, 2, 3, 7, 10, 64, 65}) {
    std::vector<cv::Mat> tiles;
    for (int i = 0; i < n; ++i) tiles.emplace_back(4, 6, CV_8UC3, cv::Scalar(i, 255 - i, 7));
    const int pad = 2;
    cv::Mat sheet = make_grid(tiles, pad, 0, cv::Scalar(1, 2, 3));
    GridShape s = grid_shape(n);
    ASSERT_EQ(sheet.rows, pad + s.rows * (4 + pad));
    ASSERT_EQ(sheet.cols, pad + s.cols * (6 + pad));
    for (int i = 0; i < n; ++i) {
      int y = pad + (i / s.cols) * (4 + pad) + 1, x = pad + (i % s.cols) * (6 + pad) + 1;
      EXPECT_EQ(sheet.at<cv::Vec3b>(y, x), cv::Vec3b(i, 255 - i, 7)) << "n=" << n << " i=" << i;
    }
    EXPECT_EQ(sheet.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
  }
}

TEST(Grid, RejectsMixedSizesAndEmpty) {
  std::vector<cv::Mat> tiles = {cv::Mat(4, 4, CV_8UC3), cv::Mat(5, 4, CV_8UC3)};
  EXPECT_THROW(make_grid(tiles), dcgan::DataError);
  EXPECT_THROW(make_grid({}), dcgan::DataError);
}
