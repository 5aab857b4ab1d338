// Memorisation check: a copied training image is found at distance 0, a lightly perturbed
// copy finds its source first, neighbours come sorted with exact MSE, leave-one-out skips the
// query itself, and the grid holds "query | k nearest" per row.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/data/image_set.h"
#include "dcgan/metrics/nearest.h"
#include "support/test_support.h"

namespace dcgan::metrics {
namespace {

torch::Tensor real_faces(const std::string& shared, int64_t n) {
  data::DataConfig config;
  config.dir = shared + "/data/anime-faces";
  config.output_size = 48;
  config.channels = "3";
  config.limit = n;
  return data::load_image_set(config).images;
}

TEST(Nearest, FindsCopiesAndPerturbedCopiesWithExactSortedDistances) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor train = real_faces(shared, 300);
  torch::manual_seed(8);
  torch::Tensor noise = torch::randint(-6, 7, {3, 3, 48, 48});
  torch::Tensor queries = torch::cat({train.slice(0, 17, 18), train.slice(0, 200, 202)});
  queries = torch::cat(
      {queries.slice(0, 0, 1),
       (queries.slice(0, 1).to(torch::kLong) + noise.slice(0, 1)).clamp(0, 255).to(torch::kUInt8)});
  NearestResult result = nearest_by_mse(queries, train, 5);
  ASSERT_EQ(result.indices.sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(result.indices[0][0].item<int64_t>(), 17);
  EXPECT_EQ(result.mse[0][0].item<double>(), 0.0);
  EXPECT_EQ(result.indices[1][0].item<int64_t>(), 200);
  EXPECT_EQ(result.indices[2][0].item<int64_t>(), 201);
  for (int64_t q = 0; q < 3; ++q) {
    for (int64_t j = 0; j < 5; ++j) {
      const int64_t idx = result.indices[q][j].item<int64_t>();
      const double exact = (train[idx].to(torch::kDouble) - queries[q].to(torch::kDouble))
                               .pow(2)
                               .mean()
                               .item<double>() /
                           (255.0 * 255.0);
      EXPECT_NEAR(result.mse[q][j].item<double>(), exact, 1e-12);
      if (j > 0) {
        EXPECT_LE(result.mse[q][j - 1].item<double>(), result.mse[q][j].item<double>());
      }
    }
  }
  // Brute force agrees on the nearest for an unrelated face.
  torch::Tensor other = real_faces(shared, 301).slice(0, 300, 301);
  NearestResult one = nearest_by_mse(other, train, 1);
  torch::Tensor all = (train.to(torch::kDouble) - other.to(torch::kDouble)).pow(2).mean({1, 2, 3});
  EXPECT_EQ(one.indices[0][0].item<int64_t>(), all.argmin().item<int64_t>());

  Json stats = nearest_distance_stats(result);
  EXPECT_EQ(stats["count"], 3);
  EXPECT_EQ(stats["min"].get<double>(), 0.0);
  EXPECT_GT(stats["max"].get<double>(), 0.0);
  EXPECT_LE(stats["median"].get<double>(), stats["max"].get<double>());
}

TEST(Nearest, LeaveOneOutNeverReturnsTheQueryItself) {
  torch::manual_seed(9);
  torch::Tensor train = torch::randint(0, 256, {20, 3, 16, 16}, torch::kUInt8);
  NearestResult result = nearest_by_mse(train.slice(0, 0, 5), train, 3, true);
  for (int64_t q = 0; q < 5; ++q) {
    for (int64_t j = 0; j < 3; ++j) EXPECT_NE(result.indices[q][j].item<int64_t>(), q);
    EXPECT_GT(result.mse[q][0].item<double>(), 0.0);
  }
  EXPECT_THROW(nearest_by_mse(train, train.slice(0, 0, 3), 3, true), DataError);
  EXPECT_THROW(nearest_by_mse(train, torch::zeros({5, 3, 8, 8}, torch::kUInt8), 1), DataError);
}

TEST(Nearest, GridRowsAreQueryThenNeighbours) {
  torch::Tensor train = torch::zeros({10, 3, 8, 8}, torch::kUInt8);
  for (int64_t i = 0; i < 10; ++i) train[i].fill_(i * 20);
  torch::Tensor queries = train.slice(0, 3, 5).clone();
  NearestResult result = nearest_by_mse(queries, train, 2);
  cv::Mat grid = nearest_grid(queries, train, result, 2);
  ASSERT_EQ(grid.cols, 2 + 3 * (8 + 2));
  ASSERT_EQ(grid.rows, 2 + 2 * (8 + 2));
  // Row 1: query 4 (value 80), then train 4 (80), then train 3 or 5 (60 or 100).
  EXPECT_EQ(grid.at<cv::Vec3b>(12 + 3, 2 + 3)[0], 80);
  EXPECT_EQ(grid.at<cv::Vec3b>(12 + 3, 12 + 3)[0], 80);
  const int third = grid.at<cv::Vec3b>(12 + 3, 22 + 3)[0];
  EXPECT_TRUE(third == 60 || third == 100) << third;
  EXPECT_EQ(grid.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
}

}  // namespace
}  // namespace dcgan::metrics
