// Training-mode batch normalisation fused with the ReLU / LeakyReLU after it, on channels-last
// activations: two passes forward (statistics, then normalise+activate) and two backward,
// instead of LibTorch's five or six separate passes and temporaries. Running statistics are
// updated like torch::nn::BatchNorm2d's. Evaluation mode and non-CPU tensors use the plain
// LibTorch module.
#pragma once

#include <torch/torch.h>

namespace dcgan::kernels {

// x: (B, C, H, W) -> act(bn(x)) (B, C, H, W) channels-last, where act(t) = t for t > 0 and
// negative_slope * t otherwise (0: ReLU, 0.2: the discriminator's LeakyReLU).
torch::Tensor fast_batch_norm_act(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn,
                                  double negative_slope);

}  // namespace dcgan::kernels
