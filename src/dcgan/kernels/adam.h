// Adam whose update is one fused, multi-threaded pass over each parameter. LibTorch 1.13's
// Adam makes about eight passes and allocates two temporaries per parameter and step; for the
// DCGAN's 9 M parameters that is ~10% of a CPU training iteration. The state is the same
// AdamParamState (step, exp_avg, exp_avg_sq) under the same keys, so optimizer checkpoints
// move freely between this and torch::optim::Adam. AMSGrad, weight decay and parameters that
// are not contiguous CPU float32 fall back to torch::optim::Adam::step.
#pragma once

#include <torch/torch.h>

#include <string>
#include <type_traits>
#include <vector>

namespace dcgan::kernels {

// The key of a parameter in an optimizer's state map: a string in LibTorch 1.x, the
// TensorImpl pointer in newer releases. Map is the optimizer's state() type.
template <class Map>
typename Map::key_type optimizer_state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  } else {
    return p.unsafeGetTensorImpl();
  }
}

class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions options)
      : torch::optim::Adam(std::move(params), std::move(options)) {}

  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace dcgan::kernels
