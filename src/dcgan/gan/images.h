// Conversions between generator tensors and OpenCV images, generating images in batches,
// sample-grid writing and numbered file names. Tensors are RGB CHW; OpenCV images BGR HWC (or
// single-channel).
#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "dcgan/gan/models.h"

namespace dcgan::gan {

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

// G's images for the latents z (N, Z), `batch` at a time on `device`, as uint8 (N, C, S, S) on
// the CPU. G runs in whatever mode it is in (train or eval); no gradient is recorded.
torch::Tensor generate_images(GeneratorBase& generator, const torch::Tensor& z,
                              const torch::Device& device, int64_t batch = 256);

// prefix + n zero-padded to `width` digits + suffix: ("samples/epoch-", 7, 4, ".png") ->
// "samples/epoch-0007.png".
std::string numbered_name(const std::string& prefix, int64_t n, int width,
                          const std::string& suffix);

}  // namespace dcgan::gan
