// GAN losses; formulas in losses.h.
#include "dcgan/gan/losses.h"

namespace dcgan::gan {

DiscriminatorLoss discriminator_loss(const torch::Tensor& real_logits,
                                     const torch::Tensor& fake_logits, double label_smooth,
                                     const std::string& kind) {
  DiscriminatorLoss loss;
  if (kind == "ls") {
    loss.real = 0.5 * (real_logits - (1.0 - label_smooth)).square().mean();
    loss.fake = 0.5 * fake_logits.square().mean();
  } else if (kind == "hinge") {
    loss.real = torch::relu(1.0 - real_logits).mean();
    loss.fake = torch::relu(1.0 + fake_logits).mean();
  } else {
    loss.real = torch::binary_cross_entropy_with_logits(
        real_logits, torch::full_like(real_logits, 1.0 - label_smooth));
    loss.fake =
        torch::binary_cross_entropy_with_logits(fake_logits, torch::zeros_like(fake_logits));
  }
  return loss;
}

torch::Tensor generator_loss(const torch::Tensor& fake_logits, const std::string& kind) {
  if (kind == "minimax") return -torch::nn::functional::softplus(fake_logits).mean();
  if (kind == "ls") return 0.5 * (fake_logits - 1.0).square().mean();
  if (kind == "hinge") return -fake_logits.mean();
  return torch::binary_cross_entropy_with_logits(fake_logits, torch::ones_like(fake_logits));
}

bool is_loss_kind(const std::string& kind) {
  return kind == "non_saturating" || kind == "minimax" || kind == "ls" || kind == "hinge";
}

}  // namespace dcgan::gan
