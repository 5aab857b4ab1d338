// SWD: only patch-sampling noise for identical sets, small between two halves of the real
// faces and large against noise or a blurred copy, blind to a global colour shift, the pyramid
// equal to OpenCV's, independent draws, and every value a function of the seed. The values
// themselves are checked against a reference in test_swd_reference.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <random>

#include "dcgan/core/error.h"
#include "dcgan/metrics/swd.h"
#include "metrics/real_faces.h"
#include "support/test_support.h"

namespace dcgan::metrics {
namespace {

cv::Mat plane_mat(const torch::Tensor& plane) {
  torch::Tensor p = plane.contiguous();
  return cv::Mat(static_cast<int>(p.size(0)), static_cast<int>(p.size(1)), CV_32F,
                 p.data_ptr<float>())
      .clone();
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  if (a.size() != b.size()) return 1e9;
  return cv::norm(a, b, cv::NORM_INF);
}

TEST(SwdPyramid, MatchesOpenCvPyrDownAndPyrUp) {
  torch::manual_seed(3);
  for (auto [h, w] : {std::pair{48, 48}, std::pair{24, 24}, std::pair{37, 29}, std::pair{7, 5}}) {
    torch::Tensor images = torch::rand({2, 3, h, w}) * 255;
    torch::Tensor down = pyr_down(images), up = pyr_up(images);
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t c = 0; c < 3; ++c) {
        cv::Mat src = plane_mat(images[b][c]), cv_down, cv_up;
        cv::pyrDown(src, cv_down);
        cv::pyrUp(src, cv_up);
        EXPECT_LT(max_abs_diff(plane_mat(down[b][c]), cv_down), 1e-3) << h << "x" << w;
        EXPECT_LT(max_abs_diff(plane_mat(up[b][c]), cv_up), 1e-3) << h << "x" << w;
      }
    }
  }
}

TEST(SwdPyramid, LaplacianLevelsReconstructTheImage) {
  torch::manual_seed(4);
  torch::Tensor images = torch::rand({2, 3, 64, 64}) * 255;
  std::vector<torch::Tensor> levels = laplacian_pyramid(images, 3);
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[2].size(2), 16);
  torch::Tensor rebuilt = levels[2];
  for (int i = 1; i >= 0; --i) rebuilt = pyr_up(rebuilt) + levels[i];
  EXPECT_LT((rebuilt - images).abs().max().item<float>(), 1e-3);
}

TEST(SwdResolutions, HalveWhileAtLeastSixteen) {
  EXPECT_EQ(swd_resolutions(48), (std::vector<int>{48, 24}));
  EXPECT_EQ(swd_resolutions(64), (std::vector<int>{64, 32, 16}));
  EXPECT_EQ(swd_resolutions(96), (std::vector<int>{96, 48, 24}));
  EXPECT_EQ(swd_resolutions(16), (std::vector<int>{16}));
  EXPECT_THROW(swd_resolutions(12), DataError);
  EXPECT_THROW(swd_resolutions(70), DataError);  // 70 -> 35 -> 17: 35 cannot be pyrUp'ed to 70
}

TEST(SwdSort, SortsLikeStdSortIncludingNegativesAndZeros) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> values(100000);
  for (float& v : values) v = normal(rng);
  values[10] = 0.0f;
  values[11] = -0.0f;
  values[12] = 1e-30f;
  values[13] = -1e30f;
  std::vector<float> expected = values;
  std::sort(expected.begin(), expected.end());
  sort_floats(values.data(), static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], expected[i]) << i;
}

TEST(SwdWasserstein1d, EqualSizesAreTheMeanGapAndUnequalSizesIntegrateQuantiles) {
  const float a[] = {0.0f, 1.0f, 3.0f}, b[] = {0.5f, 1.0f, 5.0f};
  EXPECT_DOUBLE_EQ(wasserstein_1d_sorted(a, 3, b, 3), (0.5 + 0.0 + 2.0) / 3.0);
  const float c[] = {0.0f, 1.0f}, d[] = {0.0f, 0.5f, 1.0f};
  // Quantiles differ by 0.5 on (1/3, 1/2] and (1/2, 2/3]: 2 * (1/6) * 0.5.
  EXPECT_NEAR(wasserstein_1d_sorted(c, 2, d, 3), 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(wasserstein_1d_sorted(d, 3, c, 2), 1.0 / 6.0, 1e-12);
}

// No two streams share a draw: the draws of neighbouring indices (images, directions) once
// were the same sequence shifted by a few places, so every image reused the same few hundred
// patch centres and the directions were shifted copies of each other.
TEST(SwdDraws, StreamsNeverOverlap) {
  std::vector<uint64_t> draws;
  for (SwdStream kind :
       {SwdStream::kRealPatches, SwdStream::kDirections, SwdStream::kComparedPatches}) {
    for (int level = 0; level < 3; ++level) {
      for (int64_t index = 0; index < 1024; ++index) {
        for (int64_t k = 0; k < 294; ++k) draws.push_back(swd_draw(1, kind, level, index, k));
      }
    }
  }
  std::sort(draws.begin(), draws.end());
  EXPECT_EQ(std::adjacent_find(draws.begin(), draws.end()), draws.end())
      << "a 64-bit draw repeats across streams";
  EXPECT_NE(swd_draw(1, SwdStream::kRealPatches, 0, 0, 0),
            swd_draw(2, SwdStream::kRealPatches, 0, 0, 0));
}

// The compared set's patches are drawn apart from the real set's (the definition draws each
// set's own), so a set against itself scores its patch-sampling noise: above 0, below the
// floor between two different real sets.
TEST(Swd, IdenticalSetsScoreOnlyTheirPatchSamplingNoise) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor faces = real_faces(shared, 0, 128), others = real_faces(shared, 128, 128);
  SwdEvaluator evaluator(faces, 7);
  std::vector<SwdResult> results = evaluator.evaluate({faces.clone(), others});
  ASSERT_EQ(results[0].resolutions, (std::vector<int>{48, 24}));
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_GT(results[0].swd_x1e3[l], 0.0) << "level " << l;
    EXPECT_LT(results[0].swd_x1e3[l], results[1].swd_x1e3[l]) << "level " << l;
  }
}

// Real halves vs noise, a blurred copy and a colour-shifted copy, one evaluator for all.
TEST(Swd, RealHalvesAreFarCloserThanNoiseOrBlurAndColourShiftIsFree) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  const int64_t n = 300;
  torch::Tensor half_a = real_faces(shared, 0, n), half_b = real_faces(shared, n, n);
  SwdEvaluator evaluator(half_a, 11);
  EXPECT_EQ(evaluator.real_count(), n);

  SwdResult floor = evaluator.evaluate(half_b);
  torch::manual_seed(12);
  SwdResult noise = evaluator.evaluate(torch::randint(0, 256, {n, 3, 48, 48}, torch::kUInt8));
  torch::Tensor blurred_b =
      pyr_up(pyr_down(half_b.to(torch::kFloat))).round().clamp(0, 255).to(torch::kUInt8);
  SwdResult blur = evaluator.evaluate(blurred_b);
  // A per-channel gain and offset (no clipping): the normalisation removes it.
  torch::Tensor gain = torch::tensor({0.8f, 0.9f, 0.85f}).view({1, 3, 1, 1});
  torch::Tensor offset = torch::tensor({40.0f, 5.0f, 20.0f}).view({1, 3, 1, 1});
  torch::Tensor shifted_b =
      (half_b.to(torch::kFloat) * gain + offset).round().clamp(0, 255).to(torch::kUInt8);
  SwdResult shifted = evaluator.evaluate(shifted_b);

  std::cout << "floor " << floor.average << "  noise " << noise.average << "  blur " << blur.average
            << "  colour shift " << shifted.average << "\n";
  for (size_t l = 0; l < floor.swd_x1e3.size(); ++l) {
    EXPECT_GT(floor.swd_x1e3[l], 0.0);
    EXPECT_GT(noise.swd_x1e3[l], 10 * floor.swd_x1e3[l]) << "level " << l;
  }
  EXPECT_GT(blur.swd_x1e3[0], 5 * floor.swd_x1e3[0]);  // blur removes the finest level
  EXPECT_GT(blur.average, 3 * floor.average);
  EXPECT_LT(shifted.average, 1.5 * floor.average);
  EXPECT_NEAR(shifted.average, floor.average, 0.25 * floor.average);
}

TEST(Swd, DeterministicPerSeedAndSeedsDiffer) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor a = real_faces(shared, 0, 96), b = real_faces(shared, 96, 96);
  SwdResult first = sliced_wasserstein(a, b, 21);
  SwdResult again = sliced_wasserstein(a, b, 21);
  SwdResult other = sliced_wasserstein(a, b, 22);
  EXPECT_EQ(first.swd_x1e3, again.swd_x1e3);
  EXPECT_NE(first.swd_x1e3, other.swd_x1e3);
  // Another seed draws other patches and directions, not another scale.
  EXPECT_NEAR(other.average, first.average, 0.5 * first.average);
}

// Comparing several sets in one pass (the eval's fakes and its real floor) shares the real
// set's projections; each result must be exactly the single-set one.
TEST(Swd, SeveralSetsAtOnceEqualOneAtATime) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor real = real_faces(shared, 0, 64), b = real_faces(shared, 64, 64);
  torch::Tensor c = real_faces(shared, 128, 40);
  SwdEvaluator swd(real, 9);
  std::vector<SwdResult> both = swd.evaluate({b, c});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].swd_x1e3, swd.evaluate(b).swd_x1e3);
  EXPECT_EQ(both[1].swd_x1e3, swd.evaluate(c).swd_x1e3);
  EXPECT_NE(both[0].swd_x1e3, both[1].swd_x1e3);
}

TEST(Swd, UnequalSetSizesAndGrayscaleWork) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor a = real_faces(shared, 0, 80), b = real_faces(shared, 80, 50);
  SwdResult result = sliced_wasserstein(a, b, 3);
  EXPECT_GT(result.average, 0.0);
  // One channel is tiled to three: the same values as the explicitly tiled images.
  torch::Tensor gray = a.to(torch::kFloat).mean(1, true).round().to(torch::kUInt8);
  torch::Tensor tiled = gray.expand({-1, 3, -1, -1}).contiguous();
  EXPECT_EQ(sliced_wasserstein(gray, b, 3).swd_x1e3, sliced_wasserstein(tiled, b, 3).swd_x1e3);
  EXPECT_EQ(sliced_wasserstein(b, gray, 3).swd_x1e3, sliced_wasserstein(b, tiled, 3).swd_x1e3);
}

TEST(Swd, RejectsMismatchedOrTooSmallImages) {
  torch::Tensor a = torch::zeros({4, 3, 32, 32}, torch::kUInt8);
  SwdEvaluator evaluator(a, 1);
  EXPECT_THROW(evaluator.evaluate(torch::zeros({4, 3, 48, 48}, torch::kUInt8)), DataError);
  EXPECT_THROW(evaluator.evaluate(torch::zeros({4, 3, 32, 32}, torch::kFloat)), DataError);
  EXPECT_THROW(SwdEvaluator(torch::zeros({4, 3, 8, 8}, torch::kUInt8), 1), DataError);
}

}  // namespace
}  // namespace dcgan::metrics
