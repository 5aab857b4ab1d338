// Image io over OpenCV's codecs; see image_io.h.
#include "dcgan/vision/image_io.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"

namespace dcgan::vision {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

cv::Mat to_mode(cv::Mat image, ReadMode mode) {
  if (image.depth() != CV_8U) {
    // 16-bit PNGs and the like: scale to 8 bit so the rest of the tool sees one depth.
    cv::Mat eight;
    double scale = image.depth() == CV_16U ? 1.0 / 257.0 : 1.0;
    image.convertTo(eight, CV_8U, scale);
    image = eight;
  }
  if (mode == ReadMode::kUnchanged) return image;
  image = drop_alpha_on_white(image);
  if (mode == ReadMode::kGray) {
    if (image.channels() == 1) return image;
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    return gray;
  }
  if (image.channels() == 3) return image;
  cv::Mat color;
  cv::cvtColor(image, color, cv::COLOR_GRAY2BGR);
  return color;
}

}  // namespace

cv::Mat drop_alpha_on_white(const cv::Mat& image) {
  if (image.channels() != 4) return image;
  cv::Mat result(image.rows, image.cols, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    const cv::Vec4b* src = image.ptr<cv::Vec4b>(y);
    cv::Vec3b* dst = result.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      int alpha = src[x][3];
      for (int c = 0; c < 3; ++c) {
        dst[x][c] = static_cast<uchar>((src[x][c] * alpha + 255 * (255 - alpha) + 127) / 255);
      }
    }
  }
  return result;
}

cv::Mat decode_image(const std::vector<unsigned char>& bytes, const std::string& name,
                     ReadMode mode) {
  if (bytes.empty()) throw DataError(name + " is empty (0 bytes); not an image");
  cv::Mat image;
  try {
    image = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw DataError(name + " could not be decoded as an image: " + e.what());
  }
  if (image.empty()) {
    throw DataError(name + " is not a decodable image (corrupt, truncated or unsupported format)");
  }
  return to_mode(image, mode);
}

cv::Mat read_image(const std::string& path, ReadMode mode) {
  std::string bytes = read_file(path);
  return decode_image(std::vector<unsigned char>(bytes.begin(), bytes.end()), path, mode);
}

bool has_image_extension(const std::string& path) {
  static const char* kExtensions[] = {".jpg", ".jpeg", ".png", ".webp", ".bmp"};
  std::string ext = lower_extension(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* e) { return ext == e; });
}

void write_image(const std::string& path, const cv::Mat& image, int jpeg_quality, bool durable) {
  std::string ext = lower_extension(path);
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") {
    params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  } else if (ext == ".webp") {
    params = {cv::IMWRITE_WEBP_QUALITY, jpeg_quality};
  } else if (ext == ".png") {
    params = {cv::IMWRITE_PNG_COMPRESSION, 3};
  } else if (ext != ".bmp") {
    throw ConfigError("cannot write " + path + ": unknown image extension '" + ext +
                      "' (use .png, .jpg, .webp or .bmp)");
  }
  if (image.empty()) throw DataError("cannot write " + path + ": the image is empty");
  std::vector<unsigned char> encoded;
  if (!cv::imencode(ext, image, encoded, params)) {
    throw IoError("cannot encode " + path + " as " + ext);
  }
  atomic_write(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()),
               durable);
}

}  // namespace dcgan::vision
