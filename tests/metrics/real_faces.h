// The shared real faces as the metrics tests read them: a slice of data/anime-faces (sorted
// by name) resized to one side, uint8 RGB (n, 3, side, side).
#pragma once

#include <torch/torch.h>

#include <string>

#include "dcgan/data/image_set.h"

namespace dcgan::metrics {

inline torch::Tensor real_faces(const std::string& shared, int64_t first, int64_t n,
                                int side = 48) {
  data::DataConfig config;
  config.dir = shared + "/data/anime-faces";
  config.output_size = side;
  config.channels = "3";
  config.limit = first + n;
  return data::load_image_set(config).images.slice(0, first, first + n).contiguous();
}

}  // namespace dcgan::metrics
