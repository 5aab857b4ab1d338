// MS-SSIM over image pairs; see ms_ssim.h. In double throughout; the Gaussian window
// is separable, so each 'valid' filtering is two 1-D passes over (pairs * channels) planes.
#include "dcgan/metrics/ms_ssim.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "dcgan/core/error.h"

namespace dcgan::metrics {
namespace {

constexpr double kWeights[5] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};  // Wang et al. 2003
constexpr int kFilterSize = 11;
constexpr double kFilterSigma = 1.5;
constexpr double kC1 = (0.01 * 255) * (0.01 * 255);
constexpr double kC2 = (0.03 * 255) * (0.03 * 255);
constexpr int64_t kPairsPerBatch = 256;

// The 1-D factor of MATLAB's fspecial('gaussian', size, sigma): centred, half-pixel offset for
// an even size, normalised to sum 1 (the 2-D window is its outer product).
torch::Tensor gaussian_1d(int size, double sigma) {
  std::vector<double> g(size);
  const double offset = size % 2 == 0 ? 0.5 : 0.0;
  double sum = 0;
  for (int i = 0; i < size; ++i) {
    const double x = i - size / 2 + offset;
    g[i] = std::exp(-x * x / (2 * sigma * sigma));
    sum += g[i];
  }
  for (double& v : g) v /= sum;
  return torch::tensor(g, torch::kDouble);
}

// 'valid' Gaussian filtering of planes (P, 1, H, W) -> (P, 1, H - s + 1, W - s + 1): the
// weighted sum of s shifted slices along each axis (faster than LibTorch's double conv2d).
torch::Tensor filter_valid(const torch::Tensor& planes, const torch::Tensor& g) {
  const int64_t s = g.size(0);
  const double* w = g.data_ptr<double>();
  const int64_t ho = planes.size(2) - s + 1, wo = planes.size(3) - s + 1;
  torch::Tensor rows = planes.slice(3, 0, wo) * w[0];
  for (int64_t t = 1; t < s; ++t) rows.add_(planes.slice(3, t, t + wo), w[t]);
  torch::Tensor out = rows.slice(2, 0, ho) * w[0];
  for (int64_t t = 1; t < s; ++t) out.add_(rows.slice(2, t, t + ho), w[t]);
  return out;
}

// Mean SSIM and contrast-structure term per pair at one scale. x, y: (B, C, H, W) double.
std::pair<torch::Tensor, torch::Tensor> ssim_and_cs(const torch::Tensor& x,
                                                    const torch::Tensor& y) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int size = static_cast<int>(std::min<int64_t>({kFilterSize, h, w}));
  const torch::Tensor g = gaussian_1d(size, size * kFilterSigma / kFilterSize);
  const torch::Tensor px = x.reshape({b * c, 1, h, w}), py = y.reshape({b * c, 1, h, w});
  const torch::Tensor mu1 = filter_valid(px, g), mu2 = filter_valid(py, g);
  const torch::Tensor mu11 = mu1 * mu1, mu22 = mu2 * mu2, mu12 = mu1 * mu2;
  const torch::Tensor s11 = filter_valid(px * px, g) - mu11;
  const torch::Tensor s22 = filter_valid(py * py, g) - mu22;
  const torch::Tensor s12 = filter_valid(px * py, g) - mu12;
  const torch::Tensor v1 = 2.0 * s12 + kC2, v2 = s11 + s22 + kC2;
  const torch::Tensor ssim = ((2.0 * mu12 + kC1) * v1) / ((mu11 + mu22 + kC1) * v2);
  return {ssim.view({b, -1}).mean(1), (v1 / v2).view({b, -1}).mean(1)};
}

// 2x2 mean; an odd side loses its last row/column.
torch::Tensor half_size(const torch::Tensor& x) {
  const int64_t h = x.size(2) / 2 * 2, w = x.size(3) / 2 * 2;
  return torch::avg_pool2d(x.slice(2, 0, h).slice(3, 0, w), 2);
}

}  // namespace

torch::Tensor ms_ssim_pairs(const torch::Tensor& a_uint8, const torch::Tensor& b_uint8) {
  if (a_uint8.sizes() != b_uint8.sizes() || a_uint8.dim() != 4) {
    std::ostringstream msg;
    msg << "MS-SSIM needs two (N, C, H, W) batches of one shape, got " << a_uint8.sizes() << " and "
        << b_uint8.sizes();
    throw DataError(msg.str());
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> scores;
  for (int64_t first = 0; first < a_uint8.size(0); first += kPairsPerBatch) {
    const int64_t last = std::min(a_uint8.size(0), first + kPairsPerBatch);
    // Double, as the reference computes (its window is float64): in float32, E[x^2] - mu^2 of
    // pixels near 255 loses ~3e-3 of a variance to rounding, a visible fraction of C2 = 58.5,
    // which moved scores by up to 4e-5 (flat images: every variance should be exactly 0).
    torch::Tensor x = a_uint8.slice(0, first, last).to(torch::kDouble);
    torch::Tensor y = b_uint8.slice(0, first, last).to(torch::kDouble);
    torch::Tensor score = torch::ones({last - first}, torch::kDouble);
    for (int level = 0; level < 5; ++level) {
      auto [ssim, cs] = ssim_and_cs(x, y);
      // The reference clips both terms at 0 (a negative base would give NaN).
      const torch::Tensor term = level < 4 ? cs : ssim;
      score *= term.clamp_min(0).pow(kWeights[level]);
      if (level < 4) {
        x = half_size(x);
        y = half_size(y);
      }
    }
    scores.push_back(score);
  }
  return torch::cat(scores);
}

MsSsimResult ms_ssim_diversity(const torch::Tensor& images_uint8, int64_t max_pairs,
                               uint64_t seed) {
  const int64_t n = images_uint8.size(0);
  if (n < 2) throw DataError("MS-SSIM diversity needs at least 2 images, got " + std::to_string(n));
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  // Fisher-Yates with an explicit draw: std::shuffle's sequence differs across libraries.
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  const int64_t pairs = std::min(n / 2, std::max<int64_t>(1, max_pairs));
  torch::Tensor idx = torch::tensor(std::vector<int64_t>(order.begin(), order.begin() + 2 * pairs));
  torch::Tensor firsts = images_uint8.index_select(0, idx.slice(0, 0, 2 * pairs, 2));
  torch::Tensor seconds = images_uint8.index_select(0, idx.slice(0, 1, 2 * pairs, 2));
  MsSsimResult result;
  result.pairs = pairs;
  result.mean = ms_ssim_pairs(firsts, seconds).mean().item<double>();
  return result;
}

}  // namespace dcgan::metrics
