// The linear layers (G's projection of z, D's logit) in --precision bf16: oneDNN inner-product
// primitives with BF16 activations and weights and FP32 outputs and gradients, the weight
// converted once per parameter version. In fp32, or for tensors the CPU kernels do not take,
// the module's own forward runs, so fp32 results stay LibTorch's exactly.
#pragma once

#include <torch/torch.h>

namespace dcgan::kernels {

// x: (B, in) -> (B, out), the maths of linear.forward(x).
torch::Tensor fast_forward(torch::nn::LinearImpl& linear, const torch::Tensor& x);

}  // namespace dcgan::kernels
