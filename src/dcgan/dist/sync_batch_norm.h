// BatchNorm whose batch statistics span every rank (--sync-bn): in training mode the mean and
// variance come from the per-channel sums over the whole job's batch, and the backward pass
// sums its two per-channel reductions over the job too, so N ranks x batch B compute what one
// process does with batch N x B. Running statistics are updated as torch::nn::BatchNorm2d
// does (momentum, unbiased variance over the job's batch). Fused with the activation the DCGAN
// uses after every BatchNorm: ReLU (slope 0) or LeakyReLU (slope > 0).
#pragma once

#include <torch/torch.h>

#include "dcgan/dist/group.h"

namespace dcgan::dist {

// x: (B, C, H, W) -> act(BN(x)), with `bn`'s weight, bias, eps, momentum and running buffers.
torch::Tensor sync_batch_norm_act(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn,
                                  double slope, Group& group);

}  // namespace dcgan::dist
