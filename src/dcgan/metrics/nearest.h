// Memorisation check (as in the IllustrationGAN README): for each generated image, the
// training images closest in pixel MSE, their distances, and a grid "generated | its k
// nearest" to look at. Small distances relative to the real-to-real ones mean copying.
// It does not decide what counts as a copy; the numbers are for the reader.
#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::metrics {

struct NearestResult {
  torch::Tensor indices;  // (Q, k) int64: rows of the training set, nearest first
  torch::Tensor mse;      // (Q, k) double: mean squared error over pixels, in [0, 1]^2 units
};

// Exact k nearest training images by MSE for each query. queries (Q, C, H, W) and train
// (N, C, H, W) uint8 of one shape. When `exclude_same_index`, query i never matches train
// row i (queries drawn from the training set itself: leave-one-out).
NearestResult nearest_by_mse(const torch::Tensor& queries_uint8, const torch::Tensor& train_uint8,
                             int k, bool exclude_same_index = false);

// Statistics of the nearest-neighbour distance (column 0):
// {"count", "min", "mean", "median", "max"}.
Json nearest_distance_stats(const NearestResult& result);

// One row per query: the query, then its k nearest, separated by `padding` white pixels.
cv::Mat nearest_grid(const torch::Tensor& queries_uint8, const torch::Tensor& train_uint8,
                     const NearestResult& result, int padding = 2);

}  // namespace dcgan::metrics
