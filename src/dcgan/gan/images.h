// The generator's images: generating them in batches for a set of latents, and the numbered
// file names samples are written under. Conversions to OpenCV images and grids are in
// data/image_tensors.h.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "dcgan/gan/models.h"

namespace dcgan::gan {

// G's images for the latents z (N, Z), `batch` at a time on `device`, as uint8 (N, C, S, S) on
// the CPU. G runs in whatever mode it is in (train or eval); no gradient is recorded.
torch::Tensor generate_images(GeneratorBase& generator, const torch::Tensor& z,
                              const torch::Device& device, int64_t batch = 256);

// prefix + n zero-padded to `width` digits + suffix: ("samples/epoch-", 7, 4, ".png") ->
// "samples/epoch-0007.png".
std::string numbered_name(const std::string& prefix, int64_t n, int width,
                          const std::string& suffix);

}  // namespace dcgan::gan
