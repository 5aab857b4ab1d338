// Adam whose update is one fused, multi-threaded pass over each parameter. LibTorch 1.13's
// Adam makes about eight passes and allocates two temporaries per parameter and step; for the
// DCGAN's 9 M parameters that is ~10% of a CPU training iteration. The state is the same
// AdamParamState (step, exp_avg, exp_avg_sq) under the same keys, so optimizer checkpoints
// move freely between this and torch::optim::Adam. AMSGrad, weight decay and parameters that
// are not contiguous CPU float32 fall back to torch::optim::Adam::step.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace dcgan::kernels {

class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions options)
      : torch::optim::Adam(std::move(params), std::move(options)) {}

  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace dcgan::kernels
