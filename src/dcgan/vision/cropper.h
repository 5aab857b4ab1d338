// Turns a detected face box into the square training crop: grow it by a margin (cascade boxes
// run from brows to chin and cut off hair), shift it up, then either clamp it to the image
// (re-squared by its shorter side) or pad the outside by repeating the edge pixels, and
// resize to the output size. Never stretches: the cut region is always square.
#pragma once

#include <opencv2/core.hpp>
#include <string>

namespace dcgan::vision {

struct CropGeometry {
  double margin = 0.0;    // --margin: each side grows by margin * box side (0.1 -> 1.2x box)
  double shift_up = 0.0;  // --shift-up: move the region up by shift_up * box side
  bool pad = false;       // --pad: keep the full region, repeating edge pixels outside the image
  int size = 96;          // --size: output side in pixels

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
};

// The square region to cut for `box` in an image of `image_size`. With pad it may extend
// past the image; otherwise it lies inside it (possibly smaller than the grown box), and is
// empty when the shifted region lies wholly outside the image (--shift-up 1 on a box at the
// top edge): there is nothing to cut, and the caller skips that face.
cv::Rect crop_region(const cv::Rect& box, const cv::Size& image_size, const CropGeometry& geometry);

// Cuts `region` (from crop_region) out of `image`, padding if needed, and resizes it to
// geometry.size x geometry.size: INTER_AREA when shrinking, INTER_LINEAR when enlarging.
// `region` must not be empty.
cv::Mat cut_face(const cv::Mat& image, const cv::Rect& region, const CropGeometry& geometry);

}  // namespace dcgan::vision
