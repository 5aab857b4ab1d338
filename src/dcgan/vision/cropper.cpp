// Crop geometry; see cropper.h.
#include "dcgan/vision/cropper.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "dcgan/core/error.h"

namespace dcgan::vision {

void CropGeometry::validate() const {
  require(margin >= 0.0 && margin <= 2.0,
          "--margin must be between 0 and 2 (got " + std::to_string(margin) +
              "); it grows each side of the box by that fraction of its size, 0.1-0.25 is usual");
  require(shift_up >= -1.0 && shift_up <= 1.0,
          "--shift-up must be between -1 and 1 (got " + std::to_string(shift_up) +
              "); it moves the crop up by that fraction of the box size");
  require(size >= 8 && size <= 4096,
          "--size must be between 8 and 4096 pixels (got " + std::to_string(size) + ")");
}

std::string CropGeometry::to_string() const {
  std::ostringstream out;
  out << "CropGeometry(margin=" << margin << ", shift_up=" << shift_up
      << ", pad=" << (pad ? "true" : "false") << ", size=" << size << ")";
  return out.str();
}

cv::Rect crop_region(const cv::Rect& box, const cv::Size& image_size,
                     const CropGeometry& geometry) {
  const double side = std::max(box.width, box.height);
  const double cx = box.x + box.width / 2.0;
  const double cy = box.y + box.height / 2.0 - geometry.shift_up * side;
  const int grown = static_cast<int>(std::lround(side * (1.0 + 2.0 * geometry.margin)));
  cv::Rect region(static_cast<int>(std::lround(cx - grown / 2.0)),
                  static_cast<int>(std::lround(cy - grown / 2.0)), grown, grown);
  if (geometry.pad) return region;
  // Clamp, then re-square by the shorter side, centred in the clamped rectangle.
  const cv::Rect inside = region & cv::Rect(cv::Point(0, 0), image_size);
  const int square = std::min(inside.width, inside.height);
  return cv::Rect(inside.x + (inside.width - square) / 2, inside.y + (inside.height - square) / 2,
                  square, square);
}

cv::Mat cut_face(const cv::Mat& image, const cv::Rect& region, const CropGeometry& geometry) {
  require(region.width > 0 && region.height > 0, "cut_face: empty crop region");
  const cv::Rect bounds(cv::Point(0, 0), image.size());
  const cv::Rect inside = region & bounds;
  cv::Mat cut;
  if (inside == region) {
    cut = image(region);
  } else {
    // Only reached with pad: repeat the edge pixels into the part outside the image.
    cv::copyMakeBorder(image(inside), cut, inside.y - region.y, region.br().y - inside.br().y,
                       inside.x - region.x, region.br().x - inside.br().x, cv::BORDER_REPLICATE);
  }
  cv::Mat face;
  const int interpolation = cut.cols > geometry.size ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(cut, face, cv::Size(geometry.size, geometry.size), 0, 0, interpolation);
  return face;
}

}  // namespace dcgan::vision
