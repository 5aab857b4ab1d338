// One training iteration of the GAN, separate from data loading, logging and saving so the
// trainer, the benchmark and the tests run exactly the same computation:
//   d_steps x [D step on a real batch and G(z) (real and fake in separate D passes, as the
//   recipe does, so BN statistics are per-pass)], then g_steps x [G step on the same z]
//   (carpedm20 runs G twice "to make sure that d_loss does not go to zero"). The first G step
//   would recompute the last D step's G(z) with the same weights and z; it reuses that output
//   and its graph instead, and repeats its BatchNorm running-statistics update.
// Options (all off by default, when the step is the recipe's exactly): the loss (losses.h),
// separate learning rates for G and D, DiffAugment on every image D sees (augment.h), one
// spectral-norm power iteration per D step (models.h), and the lazy R1 penalty on real images.
// Statistics stay tensors (no host sync inside the step); read them when logging.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcgan/gan/augment.h"
#include "dcgan/gan/models.h"

namespace dcgan::gan {

struct StepConfig {
  int d_steps = 1;
  int g_steps = 2;
  std::string loss = "non_saturating";  // non_saturating | minimax | ls | hinge (losses.h)
  double label_smooth = 0.0;
  double lr_g = 2e-4;  // Adam learning rates; --lr sets both, --lr-g / --lr-d one (TTUR)
  double lr_d = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  // DiffAugment policy (AugmentPolicy::to_string(): "" = off, else e.g. "color,translation").
  std::string augment;
  // Lazy R1 (Mescheder et al. 2018; StyleGAN2's lazy regularisation): on iterations whose index
  // is a multiple of r1_every, D's loss gains r1_every * r1_gamma / 2 * mean_i |grad_x D(x_i)|^2
  // over the real batch x (of the images as D sees them, before augmentation). That D step
  // runs the real pass through LibTorch's own layers, whose backward is differentiable again.
  // 0 = off.
  double r1_gamma = 0.0;
  int r1_every = 16;
  // The one-pass Adam of kernels/adam.h (same state, same formula); on with --kernels fast.
  bool fused_adam = false;

  void validate() const;
};

// Detached scalar tensors from the last D and G steps of an iteration.
struct StepStats {
  torch::Tensor loss_d_real, loss_d_fake, loss_g;
  torch::Tensor d_real, d_fake;  // mean sigmoid(D(x)), mean sigmoid(D(G(z))) in the D step
  torch::Tensor r1;              // mean |grad_x D(x)|^2 of the last R1 step; undefined otherwise
};

class GanStep {
 public:
  GanStep(std::shared_ptr<GeneratorBase> generator,
          std::shared_ptr<DiscriminatorBase> discriminator, const StepConfig& config);

  // real_batches: d_steps tensors (B, C, S, S) in [-1, 1]; sample_z(B) draws a (B, Z) batch.
  // The G steps reuse the z of the last D step. `iteration` (0-based, global) decides the
  // lazy R1 steps.
  StepStats run(const std::vector<torch::Tensor>& real_batches,
                const std::function<torch::Tensor(int64_t)>& sample_z, int64_t iteration = 0);

  // Called with D after each D backward pass and with G after each G backward pass, before the
  // optimiser step: a data-parallel job averages the gradients over its ranks there.
  void set_gradient_hook(std::function<void(torch::nn::Module&)> hook) {
    gradient_hook_ = std::move(hook);
  }
  // Called with D right before each D backward pass and with G before each G backward pass
  // (where a job with --dist-reduce overlap arms the hooks that all-reduce during the pass).
  void set_before_backward_hook(std::function<void(torch::nn::Module&)> hook) {
    before_backward_hook_ = std::move(hook);
  }

  torch::optim::Adam& optimizer_g() { return *optimizer_g_; }
  torch::optim::Adam& optimizer_d() { return *optimizer_d_; }

 private:
  std::shared_ptr<GeneratorBase> g_;
  std::shared_ptr<DiscriminatorBase> d_;
  StepConfig config_;
  std::unique_ptr<torch::optim::Adam> optimizer_g_, optimizer_d_;
  AugmentPolicy augment_;
  std::function<void(torch::nn::Module&)> gradient_hook_;
  std::function<void(torch::nn::Module&)> before_backward_hook_;

  torch::Tensor augmented(const torch::Tensor& images) const;
};

// mean_i |grad_x_i sum(real_logits)|^2 with the graph kept for a second backward: the R1
// penalty of Mescheder et al. 2018 before its gamma / 2. `real` must require grad and be the
// input real_logits were computed from.
torch::Tensor r1_penalty(const torch::Tensor& real_logits, const torch::Tensor& real);

}  // namespace dcgan::gan
