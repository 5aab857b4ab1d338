// GAN losses; formulas in losses.h.
#include "dcgan/gan/losses.h"

namespace dcgan::gan {

DiscriminatorLoss discriminator_loss(const torch::Tensor& real_logits,
                                     const torch::Tensor& fake_logits, double label_smooth) {
  DiscriminatorLoss loss;
  loss.real = torch::binary_cross_entropy_with_logits(
      real_logits, torch::full_like(real_logits, 1.0 - label_smooth));
  loss.fake = torch::binary_cross_entropy_with_logits(fake_logits, torch::zeros_like(fake_logits));
  return loss;
}

torch::Tensor generator_loss(const torch::Tensor& fake_logits, const std::string& kind) {
  if (kind == "minimax") return -torch::nn::functional::softplus(fake_logits).mean();
  return torch::binary_cross_entropy_with_logits(fake_logits, torch::ones_like(fake_logits));
}

}  // namespace dcgan::gan
