// Grid tiler; see grid.h.
#include "dcgan/vision/grid.h"

#include <cmath>
#include <string>

#include "dcgan/core/error.h"

namespace dcgan::vision {

GridShape grid_shape(int n, int cols) {
  if (n <= 0) return {0, 0};
  GridShape shape;
  shape.cols = cols > 0 ? std::min(cols, n) : static_cast<int>(std::ceil(std::sqrt(double(n))));
  shape.rows = (n + shape.cols - 1) / shape.cols;
  return shape;
}

cv::Mat make_grid(const std::vector<cv::Mat>& images, int padding, int cols,
                  const cv::Scalar& pad_value) {
  if (images.empty()) throw DataError("cannot make a grid of zero images");
  const cv::Size tile = images[0].size();
  const int type = images[0].type();
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].size() != tile || images[i].type() != type) {
      throw DataError("grid image " + std::to_string(i) + " differs in size or type from image 0");
    }
  }
  GridShape shape = grid_shape(static_cast<int>(images.size()), cols);
  cv::Mat sheet(padding + shape.rows * (tile.height + padding),
                padding + shape.cols * (tile.width + padding), type, pad_value);
  for (size_t i = 0; i < images.size(); ++i) {
    int row = static_cast<int>(i) / shape.cols;
    int col = static_cast<int>(i) % shape.cols;
    cv::Rect cell(padding + col * (tile.width + padding), padding + row * (tile.height + padding),
                  tile.width, tile.height);
    images[i].copyTo(sheet(cell));
  }
  return sheet;
}

}  // namespace dcgan::vision
