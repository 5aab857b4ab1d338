// Conversions between generator tensors and OpenCV images, and sample-grid writing.
// Tensors are RGB CHW; OpenCV images BGR HWC (or single-channel).
#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace dcgan::gan {

// (B, C, S, S) float in [-1, 1] -> (B, C, S, S) uint8 (round((x + 1) * 127.5), clamped).
torch::Tensor to_uint8(const torch::Tensor& images);
// uint8 (B, C, S, S) -> (B, C, S, S) float in [-1, 1].
torch::Tensor to_unit_range(const torch::Tensor& images_uint8);
// uint8 (B, C, S, S) RGB -> B OpenCV images (BGR or gray).
std::vector<cv::Mat> to_mats(const torch::Tensor& images_uint8);
// Writes a near-square grid (2 px dark padding) of uint8 (B, C, S, S) images.
void write_grid(const std::string& path, const torch::Tensor& images_uint8, int cols = 0);

}  // namespace dcgan::gan
