// GAN losses on discriminator logits (numerically stable; carpedm20 used
// sigmoid_cross_entropy_with_logits). All inputs are (B) logits, outputs scalars. `kind` is
// --loss: non_saturating (default) | minimax | ls | hinge.
#pragma once

#include <torch/torch.h>

#include <string>

namespace dcgan::gan {

struct DiscriminatorLoss {
  torch::Tensor real;  // D's loss on real images (the mean over the batch)
  torch::Tensor fake;  // D's loss on generated images
};

// non_saturating, minimax: real mean BCE(D(x), 1 - label_smooth), fake mean BCE(D(G(z)), 0).
// ls (least squares, Mao et al. 2017 eq. 2 with a = 0, b = c = 1): real
// 1/2 mean (D(x) - (1 - label_smooth))^2, fake 1/2 mean D(G(z))^2.
// hinge (Lim & Ye 2017; Miyato et al. 2018): real mean relu(1 - D(x)), fake
// mean relu(1 + D(G(z))); it has no target to smooth (TrainConfig refuses --label-smooth).
// One-sided label smoothing: Salimans et al. 2016 §3.4.
DiscriminatorLoss discriminator_loss(const torch::Tensor& real_logits,
                                     const torch::Tensor& fake_logits, double label_smooth,
                                     const std::string& kind = "non_saturating");

// G's loss on D(G(z)):
// non_saturating: -log D(G(z)) = BCE(D(G(z)), 1), the paper's practical variant;
// minimax: log(1 - D(G(z))) = -softplus(logit), Goodfellow et al. 2014 eq. 1 as written (it
// saturates early in training, which is why it is not the default);
// ls: 1/2 mean (D(G(z)) - 1)^2; hinge: -mean D(G(z)).
torch::Tensor generator_loss(const torch::Tensor& fake_logits, const std::string& kind);

// True for the --loss values above.
bool is_loss_kind(const std::string& kind);

}  // namespace dcgan::gan
