// Tensor <-> image conversions; see image_tensors.h.
#include "dcgan/data/image_tensors.h"

#include <opencv2/imgproc.hpp>

#include "dcgan/vision/grid.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::data {

torch::Tensor to_uint8(const torch::Tensor& images) {
  return ((images.detach().to(torch::kCPU, torch::kFloat32) + 1.0) * 127.5)
      .round()
      .clamp(0, 255)
      .to(torch::kUInt8);
}

torch::Tensor to_unit_range(const torch::Tensor& images_uint8) {
  return images_uint8.to(torch::kFloat32).div(127.5).sub(1.0);
}

torch::Tensor hwc_mat_to_chw(const cv::Mat& rgb) {
  TORCH_CHECK(rgb.depth() == CV_8U && rgb.dims == 2, "hwc_mat_to_chw: an 8-bit image");
  const int64_t channels = rgb.channels();
  auto hwc = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, channels},
                              {static_cast<int64_t>(rgb.step[0]), channels, 1}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).contiguous();
}

std::vector<cv::Mat> to_mats(const torch::Tensor& images_uint8) {
  auto hwc = images_uint8.to(torch::kCPU).permute({0, 2, 3, 1}).contiguous();
  const int64_t n = hwc.size(0), h = hwc.size(1), w = hwc.size(2), c = hwc.size(3);
  std::vector<cv::Mat> mats;
  mats.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    cv::Mat view(static_cast<int>(h), static_cast<int>(w), CV_8UC(static_cast<int>(c)),
                 hwc[i].data_ptr<uint8_t>());
    cv::Mat image;
    if (c == 3) {
      cv::cvtColor(view, image, cv::COLOR_RGB2BGR);
    } else {
      image = view.clone();
    }
    mats.push_back(image);
  }
  return mats;
}

void write_grid(const std::string& path, const torch::Tensor& images_uint8, int cols) {
  vision::write_image(path, vision::make_grid(to_mats(images_uint8), 2, cols, cv::Scalar::all(32)));
}

}  // namespace dcgan::data
