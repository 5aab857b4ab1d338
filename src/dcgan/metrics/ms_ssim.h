// MS-SSIM diversity (Wang et al. 2003, as ProGAN's metrics/ms_ssim.py computes it for GANs):
// the mean multi-scale structural similarity over pairs of images of one set. Near 1 means the
// images look alike (mode collapse); lower means more diverse. It catches only large-scale
// collapse (ProGAN §5), so read it beside SWD, not instead of it.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace dcgan::metrics {

// Per-pair MS-SSIM between a[i] and b[i]: uint8 (N, C, H, W) each, same shape; TensorFlow's
// msssim as ProGAN's metrics/ms_ssim.py calls it. Per scale: an 11x11 Gaussian window of
// sigma 1.5 (MATLAB's fspecial; on a side below 11 the window side is that side and sigma
// 1.5 * side / 11), 'valid' filtering, K1 = 0.01, K2 = 0.03, L = 255; ssim and cs = the mean
// over positions and channels of the SSIM map and of its contrast-structure factor; then a
// 2x2 mean (an odd side drops its last row/column; the reference fails there). Result: the
// product of max(cs_i, 0)^w_i over scales 0..3 and max(ssim_4, 0)^w_4, w = 0.0448, 0.2856,
// 0.3001, 0.2363, 0.1333 (Wang et al. 2003). Computed in double (tests/metrics_reference/
// ms_ssim_reference.py is the reference). Returns (N,) double.
torch::Tensor ms_ssim_pairs(const torch::Tensor& a_uint8, const torch::Tensor& b_uint8);

struct MsSsimResult {
  double mean = 0;    // mean over the pairs
  int64_t pairs = 0;  // pairs used
};

// Mean MS-SSIM over up to `max_pairs` disjoint pairs of a seeded random permutation of
// `images` (consecutive images of the permutation form a pair). Throws DataError below 2.
MsSsimResult ms_ssim_diversity(const torch::Tensor& images_uint8, int64_t max_pairs, uint64_t seed);

}  // namespace dcgan::metrics
