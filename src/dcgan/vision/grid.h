// Tiles any number of equally sized images into one sheet, row-major (image i at row i / cols,
// column i % cols). The layout is near-square: cols = ceil(sqrt(n)), rows = ceil(n / cols),
// so every count works (the recipe's grid asserted rows * cols == batch size and broke).
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace dcgan::vision {

struct GridShape {
  int rows = 0;
  int cols = 0;
};

// Near-square layout for n images; `cols` > 0 forces the column count.
GridShape grid_shape(int n, int cols = 0);

// Images must share size and type. `padding` pixels of `pad_value` separate the tiles and
// surround the sheet; unused cells are filled with `pad_value`. Throws DataError on mismatch.
cv::Mat make_grid(const std::vector<cv::Mat>& images, int padding = 0, int cols = 0,
                  const cv::Scalar& pad_value = cv::Scalar::all(0));

}  // namespace dcgan::vision
