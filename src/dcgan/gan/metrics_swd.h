// Sliced Wasserstein distance over Laplacian-pyramid patches (Karras et al., ICLR 2018, §5;
// the exact procedure is in docs/research/dcgan-anchors.md §7): per level, 128 random 7x7x3
// patches per image, per-set per-channel normalisation, 4 x 128 random unit directions,
// mean 1-D W1 x 1e3. It only compares two image sets; it reads no files and knows no model.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::gan {

struct SwdConfig {
  int patches_per_image = 128;  // descriptors drawn per image and level
  int patch_size = 7;           // odd side of the square neighbourhood
  int dir_repeats = 4;          // repeats of ...
  int dirs_per_repeat = 128;    // ... this many random unit directions (512 in all)
  int min_resolution = 16;      // the coarsest level is the last side >= this
  int batch_images = 512;       // images per pyramid batch (bounds the working memory)

  void validate() const;  // throws ConfigError naming the field
  std::string to_string() const;
};

struct SwdResult {
  std::vector<int> resolutions;  // level sides, finest first: 48 -> {48, 24}
  std::vector<double> swd_x1e3;  // one per level, lower is better
  double average = 0;            // mean over the levels

  // {"48": swd, "24": swd}: the `swd` object of metrics.jsonl `eval` records.
  Json levels_json() const;
};

// Level sides for a square image: side, side/2, ... while >= min_resolution. Throws DataError
// when the side is below min_resolution or is not divisible by 2^(levels-1) (pyrUp of an odd
// level cannot restore its parent's size).
std::vector<int> swd_resolutions(int side, int min_resolution = 16);

// Compares image sets against one fixed real set. The real descriptors are computed once here;
// evaluate() draws the fake ones. Patch centres depend only on (seed, level, image index) and
// directions on (seed, level, repeat), so evaluate(real) is exactly 0 and every result is a
// function of the inputs and the seed, whatever the thread count.
class SwdEvaluator {
 public:
  // real: (N, C, H, W) uint8, C = 1 (tiled to 3) or 3, H == W.
  SwdEvaluator(const torch::Tensor& real_uint8_nchw, uint64_t seed, SwdConfig config = {});

  // fake: (M, C, H, W) uint8 of the real set's size; M may differ from N.
  SwdResult evaluate(const torch::Tensor& fake_uint8_nchw) const;
  // Several sets at once, each against the real set (e.g. generated images and a held-out
  // real half for the floor): the real projections are computed and sorted once for all.
  // Each result equals evaluate(set) alone.
  std::vector<SwdResult> evaluate(const std::vector<torch::Tensor>& sets) const;

  const std::vector<int>& resolutions() const { return resolutions_; }
  int64_t real_count() const { return real_count_; }

 private:
  SwdConfig config_;
  uint64_t seed_;
  int side_;
  int64_t real_count_;
  std::vector<int> resolutions_;
  std::vector<torch::Tensor> real_descriptors_;  // per level: (N * patches, 3 * p * p), normalised
};

// SWD between two uint8 image sets (the real set's descriptors are not kept).
SwdResult sliced_wasserstein(const torch::Tensor& a_uint8_nchw, const torch::Tensor& b_uint8_nchw,
                             uint64_t seed, const SwdConfig& config = {});

// The pyramid's building blocks, exposed for tests. Float (N, C, H, W) in and out.
// pyr_down: 5x5 binomial blur, BORDER_REFLECT_101, every 2nd pixel: cv::pyrDown, (H+1)/2.
torch::Tensor pyr_down(const torch::Tensor& images);
// pyr_up: zero-insert x2, the same kernel x4, BORDER_REFLECT_101: cv::pyrUp, 2H x 2W.
torch::Tensor pyr_up(const torch::Tensor& images);
// Levels finest first; level i = G_i - pyr_up(G_{i+1}), the last is the low-pass G_{L-1}.
std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor& images, int levels);

// Ascending in-place sort (LSD radix sort on order-preserving keys; NaN-free input).
void sort_floats(float* values, int64_t n);

// 1-D Wasserstein-1 distance between two sorted samples (any sizes): the integral of
// |Qa(u) - Qb(u)| over u in (0, 1]; for equal sizes the mean of |a_i - b_i|.
double wasserstein_1d_sorted(const float* a, int64_t n, const float* b, int64_t m);

}  // namespace dcgan::gan
