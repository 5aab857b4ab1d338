// Generating images and naming sample files; see images.h.
#include "dcgan/gan/images.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <vector>

#include "dcgan/data/image_tensors.h"

namespace dcgan::gan {

torch::Tensor generate_images(GeneratorBase& generator, const torch::Tensor& z,
                              const torch::Device& device, int64_t batch) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < z.size(0); i += batch) {
    auto chunk = z.narrow(0, i, std::min(batch, z.size(0) - i)).to(device);
    parts.push_back(data::to_uint8(generator.forward(chunk)));
  }
  return torch::cat(parts);
}

std::string numbered_name(const std::string& prefix, int64_t n, int width,
                          const std::string& suffix) {
  std::ostringstream name;
  name << prefix << std::setw(width) << std::setfill('0') << n << suffix;
  return name.str();
}

}  // namespace dcgan::gan
