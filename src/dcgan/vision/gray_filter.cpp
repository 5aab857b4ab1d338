// Chroma-based monochrome test; see gray_filter.h.
#include "dcgan/vision/gray_filter.h"

#include <algorithm>

#include "dcgan/core/error.h"

namespace dcgan::vision {

double colourful_fraction(const cv::Mat& image) {
  if (image.channels() == 1 || image.empty()) return 0.0;
  require(image.type() == CV_8UC3, "colourful_fraction expects an 8-bit BGR image");
  int64_t colourful = 0;
  for (int y = 0; y < image.rows; ++y) {
    const cv::Vec3b* row = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      int hi = std::max({row[x][0], row[x][1], row[x][2]});
      int lo = std::min({row[x][0], row[x][1], row[x][2]});
      colourful += hi - lo > kColourfulChroma;
    }
  }
  return double(colourful) / (double(image.rows) * image.cols);
}

bool is_monochrome(const cv::Mat& image, double fraction) {
  return colourful_fraction(image) < fraction;
}

}  // namespace dcgan::vision
