// Conversions between image tensors and OpenCV images, and sample-grid writing. Tensors are RGB
// CHW (uint8, or float in [-1, 1] as the generator makes them); OpenCV images BGR HWC (or
// single-channel).
#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace dcgan::data {

// (B, C, S, S) float in [-1, 1] -> (B, C, S, S) uint8 (round((x + 1) * 127.5), clamped).
torch::Tensor to_uint8(const torch::Tensor& images);
// uint8 (B, C, S, S) -> (B, C, S, S) float in [-1, 1].
torch::Tensor to_unit_range(const torch::Tensor& images_uint8);
// One 8-bit OpenCV image (H, W, C) in RGB order -> (C, H, W) uint8, a copy. Reads the Mat through
// its row step, so a view into a larger image (a crop) is read correctly.
torch::Tensor hwc_mat_to_chw(const cv::Mat& rgb);
// uint8 (B, C, S, S) RGB -> B OpenCV images (BGR or gray).
std::vector<cv::Mat> to_mats(const torch::Tensor& images_uint8);
// Writes a near-square grid (2 px dark padding) of uint8 (B, C, S, S) images.
void write_grid(const std::string& path, const torch::Tensor& images_uint8, int cols = 0);

}  // namespace dcgan::data
