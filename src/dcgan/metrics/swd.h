// Sliced Wasserstein distance over Laplacian-pyramid patches, as ProGAN defines it (Karras et
// al., ICLR 2018, §5; metrics/sliced_wasserstein.py; docs/architecture.md "SWD"): per level,
// 128 random 7x7x3 patches per image, each set normalised by its own per-channel mean and std,
// 4 x 128 random unit directions, mean 1-D W1 x 1e3. It only compares two image sets; it reads
// no files and knows no model. tests/metrics_reference/swd_reference.py is the reference.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::metrics {

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

// What is computed, per level i of resolutions (finest first):
//   pyramid  float32 images (no rounding), 3 channels (1 is tiled); G_0 = image, G_{i+1} =
//            pyr_down(G_i); level i = G_i - pyr_up(G_{i+1}), the last level G_{L-1} itself.
//   patches  per image, patches_per_image centres (y, x) uniform in [r, side - r) with
//            replacement (r = patch_size / 2); the patch_size^2 x 3 values, (c, y, x) order.
//   per set  (the real set; separately each compared set) subtract each channel's mean over
//            all its patches and pixels, divide by that channel's population std.
//   distance dir_repeats x dirs_per_repeat directions, each a vector of independent N(0, 1)
//            components normalised to unit length; per direction the 1-D W1 between the two
//            sets' projections (equal sizes: the mean |sorted a - sorted b|); the mean over
//            directions, x 1e3. SwdResult::average is the mean over levels.
// Draws (reproducible, and rebuilt by the reference to compare without estimator noise): the
// k-th draw of stream (kind, level, index) is swd_draw(seed, kind, level, index, k). Patch k
// of image i (its index in its set): top-left row = draw 2k mod (side - patch_size + 1),
// column = draw 2k + 1 mod the same, from stream (kRealPatches or kComparedPatches, level, i).
// Direction j of repeat t: stream (kDirections, level, t * dirs_per_repeat + j); component d =
// sqrt(-2 ln u1) cos(2 pi u2) with u = ((draw >> 11) + 0.5) / 2^53 of draws 2d and 2d + 1.
enum class SwdStream : uint64_t { kRealPatches = 1, kDirections = 2, kComparedPatches = 3 };

// Compares image sets against one fixed real set. The real descriptors are computed once here;
// evaluate() draws the compared ones. Each set's patches are drawn independently of the real
// set's, as the definition draws them, so a set compared with itself scores its patch-sampling
// noise, not 0. Every result is a function of the inputs and the seed, whatever the thread
// count.
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

// The k-th 64-bit draw of a stream (see "Draws" above): splitmix64 of (base + k), the base
// mixing seed, kind, level and index in turn, so different streams never overlap.
uint64_t swd_draw(uint64_t seed, SwdStream stream, int level, int64_t index, int64_t k);

// 1-D Wasserstein-1 distance between two sorted samples (any sizes): the integral of
// |Qa(u) - Qb(u)| over u in (0, 1]; for equal sizes the mean of |a_i - b_i|.
double wasserstein_1d_sorted(const float* a, int64_t n, const float* b, int64_t m);

}  // namespace dcgan::metrics
