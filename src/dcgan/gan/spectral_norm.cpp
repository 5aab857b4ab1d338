// Spectral normalisation; see spectral_norm.h.
#include "dcgan/gan/spectral_norm.h"

namespace dcgan::gan {
namespace {

// torch.nn.utils.spectral_norm's eps: a zero vector stays finite.
torch::Tensor unit(const torch::Tensor& t) {
  return torch::nn::functional::normalize(
      t, torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12));
}

}  // namespace

SpectralNorm::SpectralNorm(torch::nn::Module& layer, const torch::Tensor& weight)
    : weight_(weight) {
  torch::NoGradGuard no_grad;
  const auto options = weight.options().requires_grad(false);
  u_ = layer.register_buffer("sn_u", unit(torch::randn({weight.size(0)}, options)));
  v_ =
      layer.register_buffer("sn_v", unit(torch::randn({weight.numel() / weight.size(0)}, options)));
}

torch::Tensor SpectralNorm::matrix() const { return weight_.reshape({weight_.size(0), -1}); }

void SpectralNorm::power_iteration() {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = matrix();
  v_.copy_(unit(torch::mv(w.t(), u_)));
  u_.copy_(unit(torch::mv(w, v_)));
}

torch::Tensor SpectralNorm::sigma() const {
  // Copies: a later power iteration updates u and v in place while a graph may still hold them.
  return torch::dot(u_.clone(), torch::mv(matrix(), v_.clone()));
}

torch::Tensor SpectralNorm::normalized_weight() const { return weight_ / sigma(); }

}  // namespace dcgan::gan
