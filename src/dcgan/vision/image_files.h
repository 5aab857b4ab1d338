// Finding the input images of a batch stage (recursive, sorted, so runs are reproducible) and
// reading one defensively: empty, truncated, undecodable and oversized files become errors
// naming the file and the reason, for the caller to count and skip. No pixel processing here.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "dcgan/core/error.h"

namespace dcgan::vision {

// Paths relative to `dir` of every file with an image extension (has_image_extension) under it,
// sorted bytewise. Files under `exclude` (e.g. the output folder inside the input) are left
// out. Throws IoError when `dir` is not a readable folder.
std::vector<std::string> list_image_files(const std::string& dir, const std::string& exclude = "");

// An image refused before decoding because its header declares more than the allowed pixels.
class ImageRefused : public DataError {
 public:
  using DataError::DataError;
};

// Reads and decodes `path` as 3-channel BGR (alpha composited on white, gray expanded).
// Throws IoError (unreadable file), ImageRefused (declared width*height > max_pixels) or
// DataError (empty, truncated JPEG, not decodable), each naming the path.
cv::Mat load_input_image(const std::string& path, int64_t max_pixels);

}  // namespace dcgan::vision
