// Finding the input images of a batch stage (recursive, sorted, so runs are reproducible) and
// reading one defensively: empty, truncated, undecodable and oversized files become errors
// naming the file and the reason, for the caller to count and skip. No pixel processing here.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "dcgan/core/error.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::vision {

// The pixel limit of every stage that decodes images it did not make: crop and prepare
// (--max-pixels), train and eval. 10^8 pixels is a 10000 x 10000 image, 300 MB decoded.
inline constexpr int64_t kDefaultMaxPixels = 100'000'000;

// Paths relative to `dir` of every file with an image extension (has_image_extension) under it,
// sorted bytewise. Files under `exclude` (e.g. the output folder inside the input) are left
// out. Throws IoError when `dir` is not a readable folder.
std::vector<std::string> list_image_files(const std::string& dir, const std::string& exclude = "");

// An image refused before decoding because its header declares more than the allowed pixels.
// (A file whose header gives no size at all is a plain DataError: it is not decoded either.)
class ImageRefused : public DataError {
 public:
  using DataError::DataError;
};

// Reads and decodes `path`, by default as 3-channel BGR (alpha composited on white, gray
// expanded); see ReadMode. Nothing is decoded unless the header (JPEG, PNG, BMP or WebP) can be
// read and declares at most `max_pixels`. Throws IoError (unreadable file), ImageRefused
// (declared width*height > max_pixels) or DataError (empty, header without a readable size,
// truncated JPEG, not decodable), each naming the path.
cv::Mat load_input_image(const std::string& path, int64_t max_pixels,
                         ReadMode mode = ReadMode::kColor);

}  // namespace dcgan::vision
