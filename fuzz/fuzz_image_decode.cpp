// The decode wrapper every stage reads outside images through (load_input_image): header
// check, pixel limit, truncation check, OpenCV's decoders, conversion to the asked mode.
// It returns an 8-bit image of the asked channels and at most the pixel limit, or throws
// IoError/DataError; a file whose header understates its size must not get past the limit.
#include <opencv2/core.hpp>

#include "dcgan/core/error.h"
#include "dcgan/vision/image_files.h"
#include "fuzz_support.h"

namespace {

constexpr int64_t kMaxPixels = 1 << 20;  // small, so that decoding stays fast

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dcgan::vision::ReadMode;
  static const bool once = [] {
    cv::setNumThreads(1);
    return true;
  }();
  (void)once;
  const std::string path = dcgan::fuzz::write_scratch("image", dcgan::fuzz::as_view(data, size));
  // The mode from the last byte, which the formats ignore (trailing bytes after the image).
  const ReadMode mode = size == 0 ? ReadMode::kColor : static_cast<ReadMode>(data[size - 1] % 3);
  try {
    const cv::Mat image = dcgan::vision::load_input_image(path, kMaxPixels, mode);
    DCGAN_FUZZ_CHECK(!image.empty() && image.depth() == CV_8U, "an empty or non-8-bit image");
    DCGAN_FUZZ_CHECK(int64_t{image.rows} * image.cols <= kMaxPixels,
                     "decoded " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                         " past the pixel limit");
    const int channels = mode == ReadMode::kColor ? 3 : mode == ReadMode::kGray ? 1 : 0;
    DCGAN_FUZZ_CHECK(channels == 0 || image.channels() == channels, "wrong channel count");
  } catch (const dcgan::IoError&) {
  } catch (const dcgan::DataError&) {
  }
  return 0;
}
