// Nearest training images by MSE; see nearest.h. Candidates come from one float
// matmul per chunk of the training set (|q|^2 + |t|^2 - 2 q.t); the final k are re-ranked on
// exact double distances, so float cancellation cannot reorder them.
#include "dcgan/metrics/nearest.h"

#include <algorithm>
#include <sstream>

#include "dcgan/core/error.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/vision/grid.h"

namespace dcgan::metrics {
namespace {

constexpr int64_t kTrainChunk = 2048;  // training rows converted to float at once
constexpr int64_t kExtraCandidates = 8;

// (N, C, H, W) uint8 -> (N, D) float, centred on 0 to keep the squared norms small.
torch::Tensor flat_centred(const torch::Tensor& images) {
  return images.reshape({images.size(0), -1}).to(torch::kFloat).div(255.0).sub(0.5);
}

}  // namespace

NearestResult nearest_by_mse(const torch::Tensor& queries_uint8, const torch::Tensor& train_uint8,
                             int k, bool exclude_same_index) {
  if (queries_uint8.dim() != 4 || queries_uint8.sizes().slice(1) != train_uint8.sizes().slice(1)) {
    std::ostringstream msg;
    msg << "nearest images: queries " << queries_uint8.sizes() << " and training images "
        << train_uint8.sizes() << " differ in shape";
    throw DataError(msg.str());
  }
  const int64_t n = train_uint8.size(0);
  const int64_t usable = exclude_same_index ? n - 1 : n;
  if (k < 1 || usable < k) {
    throw DataError("nearest images: need at least " + std::to_string(k) +
                    " training images, have " + std::to_string(usable));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor q = flat_centred(queries_uint8);
  const torch::Tensor q_norm = q.pow(2).sum(1, true);
  torch::Tensor approx = torch::empty({q.size(0), n}, torch::kFloat);
  for (int64_t first = 0; first < n; first += kTrainChunk) {
    const int64_t last = std::min(n, first + kTrainChunk);
    const torch::Tensor t = flat_centred(train_uint8.slice(0, first, last));
    approx.slice(1, first, last)
        .copy_(q_norm + t.pow(2).sum(1).unsqueeze(0) - 2.0 * torch::mm(q, t.t()));
  }
  if (exclude_same_index) {
    const int64_t diag = std::min(q.size(0), n);
    approx.slice(0, 0, diag).slice(1, 0, diag).fill_diagonal_(INFINITY);
  }
  const int64_t candidates = std::min(usable, k + kExtraCandidates);
  const torch::Tensor cand = std::get<1>(approx.topk(candidates, 1, /*largest=*/false));

  const torch::Tensor qd = queries_uint8.reshape({q.size(0), -1}).to(torch::kDouble);
  const torch::Tensor td = train_uint8.reshape({n, -1});
  NearestResult result;
  result.indices = torch::empty({q.size(0), k}, torch::kLong);
  result.mse = torch::empty({q.size(0), k}, torch::kDouble);
  for (int64_t i = 0; i < q.size(0); ++i) {
    const torch::Tensor rows = td.index_select(0, cand[i]).to(torch::kDouble);
    const torch::Tensor exact = (rows - qd[i]).pow(2).mean(1) / (255.0 * 255.0);
    const auto [sorted, order] = exact.sort();
    result.mse[i].copy_(sorted.slice(0, 0, k));
    result.indices[i].copy_(cand[i].index_select(0, order.slice(0, 0, k)));
  }
  return result;
}

Json nearest_distance_stats(const NearestResult& result) {
  const torch::Tensor nearest = std::get<0>(result.mse.select(1, 0).sort());
  const int64_t count = nearest.size(0);
  if (count == 0) return Json{{"count", 0}};
  const double median =
      count % 2 ? nearest[count / 2].item<double>()
                : 0.5 * (nearest[count / 2 - 1].item<double>() + nearest[count / 2].item<double>());
  return Json{{"count", count},
              {"min", nearest[0].item<double>()},
              {"mean", nearest.mean().item<double>()},
              {"median", median},
              {"max", nearest[count - 1].item<double>()}};
}

cv::Mat nearest_grid(const torch::Tensor& queries_uint8, const torch::Tensor& train_uint8,
                     const NearestResult& result, int padding) {
  const int64_t q = result.indices.size(0), k = result.indices.size(1);
  // Rows of the sheet: each query followed by its k nearest training images.
  const torch::Tensor neighbours = train_uint8.index_select(0, result.indices.reshape({-1}));
  const torch::Tensor rows = torch::cat(
      {queries_uint8.slice(0, 0, q).unsqueeze(1),
       neighbours.reshape({q, k, neighbours.size(1), neighbours.size(2), neighbours.size(3)})},
      1);
  return vision::make_grid(data::to_mats(rows.flatten(0, 1)), padding, static_cast<int>(k + 1),
                           cv::Scalar::all(255));
}

}  // namespace dcgan::metrics
