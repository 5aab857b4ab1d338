// Image reading and writing that never fails silently: cv::imread returns an empty Mat on
// error, these throw an error naming the file. Pixels are BGR(A) as in OpenCV throughout.
// Writes are atomic (encode in memory, then atomic_write), so no half-written image remains.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace dcgan::vision {

enum class ReadMode {
  kColor,      // 3-channel BGR; grayscale is expanded, alpha composited on white
  kGray,       // 1 channel
  kUnchanged,  // as stored (1, 3 or 4 channels, 8-bit)
};

// Decodes an image file. Throws IoError (cannot read) or DataError (not a decodable image),
// both naming the path.
cv::Mat read_image(const std::string& path, ReadMode mode = ReadMode::kColor);
// Decodes an in-memory encoded image; `name` is used in error messages.
cv::Mat decode_image(const std::vector<unsigned char>& bytes, const std::string& name,
                     ReadMode mode = ReadMode::kColor);

// Encodes by the extension of `path` (.png, .jpg/.jpeg, .webp, .bmp) and writes atomically.
// `jpeg_quality` applies to JPEG and WebP. Throws ConfigError for an unknown extension.
// `durable` as in atomic_write.
void write_image(const std::string& path, const cv::Mat& image, int jpeg_quality = 95,
                 bool durable = true);

// Composites a BGRA image on a white background; other images are returned unchanged.
cv::Mat drop_alpha_on_white(const cv::Mat& image);

// True when the file name has an image extension the tool reads (.jpg .jpeg .png .webp .bmp).
bool has_image_extension(const std::string& path);

}  // namespace dcgan::vision
