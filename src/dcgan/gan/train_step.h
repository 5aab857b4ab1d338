// One training iteration of the GAN, separate from data loading, logging and saving so the
// trainer, the benchmark and the tests run exactly the same computation:
//   d_steps x [D step on a real batch and G(z) (real and fake in separate D passes, as the
//   recipe does, so BN statistics are per-pass)], then g_steps x [G step on the same z]
//   (carpedm20 runs G twice "to make sure that d_loss does not go to zero"). The first G step
//   would recompute the last D step's G(z) with the same weights and z; it reuses that output
//   and its graph instead, and repeats its BatchNorm running-statistics update.
// Statistics stay tensors (no host sync inside the step); read them when logging.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcgan/gan/models.h"

namespace dcgan::gan {

struct StepConfig {
  int d_steps = 1;
  int g_steps = 2;
  std::string loss = "non_saturating";  // non_saturating | minimax
  double label_smooth = 0.0;
  double lr = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  // The one-pass Adam of kernels/adam.h (same state, same formula); on with --kernels fast.
  bool fused_adam = false;

  void validate() const;
};

// Detached scalar tensors from the last D and G steps of an iteration.
struct StepStats {
  torch::Tensor loss_d_real, loss_d_fake, loss_g;
  torch::Tensor d_real, d_fake;  // mean sigmoid(D(x)), mean sigmoid(D(G(z))) in the D step
};

class GanStep {
 public:
  GanStep(std::shared_ptr<GeneratorBase> generator,
          std::shared_ptr<DiscriminatorBase> discriminator, const StepConfig& config);

  // real_batches: d_steps tensors (B, C, S, S) in [-1, 1]; sample_z(B) draws a (B, Z) batch.
  // The G steps reuse the z of the last D step.
  StepStats run(const std::vector<torch::Tensor>& real_batches,
                const std::function<torch::Tensor(int64_t)>& sample_z);

  torch::optim::Adam& optimizer_g() { return *optimizer_g_; }
  torch::optim::Adam& optimizer_d() { return *optimizer_d_; }

 private:
  std::shared_ptr<GeneratorBase> g_;
  std::shared_ptr<DiscriminatorBase> d_;
  StepConfig config_;
  std::unique_ptr<torch::optim::Adam> optimizer_g_, optimizer_d_;
};

}  // namespace dcgan::gan
