// GAN losses on discriminator logits (numerically stable; carpedm20 used
// sigmoid_cross_entropy_with_logits). All inputs are (B) logits, outputs scalars.
#pragma once

#include <torch/torch.h>

#include <string>

namespace dcgan::gan {

struct DiscriminatorLoss {
  torch::Tensor real;  // mean BCE(D(x), 1 - label_smooth)
  torch::Tensor fake;  // mean BCE(D(G(z)), 0)
};

// One-sided label smoothing (Salimans et al. 2016 §3.4): real targets 1 - label_smooth,
// fake targets stay 0.
DiscriminatorLoss discriminator_loss(const torch::Tensor& real_logits,
                                     const torch::Tensor& fake_logits, double label_smooth);

// "non_saturating" (default): G minimises -log D(G(z)) = BCE(D(G(z)), 1), the paper's
// practical variant; "minimax": G minimises log(1 - D(G(z))) = -softplus(logit), Goodfellow
// et al. 2014 eq. 1 as written (it saturates early in training, which is why it is not the
// default).
torch::Tensor generator_loss(const torch::Tensor& fake_logits, const std::string& kind);

}  // namespace dcgan::gan
