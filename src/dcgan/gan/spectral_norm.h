// Spectral normalisation (Miyato et al. 2018): a layer's weight W is used as W / sigma(W),
// sigma the largest singular value of W viewed as a (out, in * k * k) matrix, estimated by
// power iteration with a left vector u (out) and a right vector v (in * k * k) carried from
// step to step, as torch.nn.utils.spectral_norm does. u and v are buffers of the layer
// (NAME.sn_u, NAME.sn_v), so checkpoints carry them and a resumed run continues exactly.
#pragma once

#include <torch/torch.h>

namespace dcgan::gan {

class SpectralNorm {
 public:
  // Registers u and v on `layer` for its parameter `weight` (Conv2d or Linear layout: the
  // output dimension first): unit vectors drawn from the default generator.
  SpectralNorm(torch::nn::Module& layer, const torch::Tensor& weight);

  // One power iteration, in place and without gradient: v = W^T u / |W^T u|,
  // u = W v / |W v|.
  void power_iteration();
  // u^T W v with u and v fixed: differentiable in W, so W's gradient includes sigma's.
  torch::Tensor sigma() const;
  // W / sigma.
  torch::Tensor normalized_weight() const;

 private:
  torch::Tensor matrix() const;

  torch::Tensor weight_, u_, v_;
};

}  // namespace dcgan::gan
