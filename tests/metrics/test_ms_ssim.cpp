// MS-SSIM: the values of the TensorFlow/ProGAN definition (reference values printed by
// tests/metrics/reference/ms_ssim_reference.py, and cases derived by hand), 1 for identical
// images, low for independent noise, symmetric; the diversity of a collapsed set (one face
// repeated) is 1 and of real faces well below.
#include <gtest/gtest.h>

#include <cmath>

#include "dcgan/core/error.h"
#include "dcgan/metrics/ms_ssim.h"
#include "metrics/real_faces.h"
#include "support/test_support.h"

namespace dcgan::metrics {
namespace {

constexpr double kC1 = (0.01 * 255) * (0.01 * 255);
constexpr double kC2 = (0.03 * 255) * (0.03 * 255);

uint64_t mix(uint64_t v) {  // splitmix64's output function
  v += 0x9E3779B97F4A7C15ull;
  v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
  v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
  return v ^ (v >> 31);
}

// ms_ssim_reference.py's synthetic_image as (1, 3, side, side) uint8: per pixel the sum over
// scales s of a hash of (scale_seeds[s], channel, s, the 2^s block) mod 52.
torch::Tensor synthetic_image(const std::vector<uint64_t>& scale_seeds, int side) {
  torch::Tensor image = torch::zeros({1, 3, side, side}, torch::kUInt8);
  auto px = image.accessor<uint8_t, 4>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        uint64_t sum = 0;
        for (uint64_t s = 0; s < scale_seeds.size(); ++s) {
          const uint64_t block = (uint64_t(y) >> s) << 16 | (uint64_t(x) >> s);
          sum += mix(mix(mix(scale_seeds[s]) ^ (8 * c + s)) ^ block) % 52;
        }
        px[0][c][y][x] = static_cast<uint8_t>(sum);
      }
    }
  }
  return image;
}

// Values of tests/metrics/reference/ms_ssim_reference.py (float64, the full 2-D window), one
// per pair of its CASES: image pairs that share some scales of random blocks and differ at the
// others, at 48, 64 and 32 px (last-scale windows of 3, 4 and 2 pixels), and one with a
// contrast and brightness change. Any weight off by 0.001 moves one of them by 2e-4 or more;
// the window's sigma or side, C1, C2 or the downsampling by more. Ours agree to ~1e-10.
TEST(MsSsimReference, MatchesTheTensorFlowDefinition) {
  struct Case {
    const char* name;
    int side;
    std::vector<uint64_t> seeds_a, seeds_b;
    bool contrast;
    double expected;
  };
  const std::vector<Case> cases = {
      {"shared_coarsest_48", 48, {1, 2, 3, 4, 5}, {6, 7, 8, 4, 5}, false, 0.5095899596},
      {"shared_coarse_48", 48, {1, 2, 3, 4, 5}, {11, 12, 3, 4, 5}, false, 0.8001596415},
      {"shared_fine_48", 48, {1, 2, 3, 4, 5}, {1, 2, 13, 14, 15}, false, 0.3032380891},
      {"shared_middle_64", 64, {21, 22, 23, 24, 25}, {31, 32, 23, 34, 35}, false, 0.4154406168},
      {"shared_coarse_32", 32, {41, 42, 43, 44, 45}, {51, 52, 43, 44, 45}, false, 0.7561768738},
      {"contrast_48", 48, {1, 2, 3, 4, 5}, {61, 2, 3, 4, 5}, true, 0.9136140432},
  };
  for (const Case& c : cases) {
    const torch::Tensor a = synthetic_image(c.seeds_a, c.side);
    torch::Tensor b = synthetic_image(c.seeds_b, c.side);
    if (c.contrast) b = (b.to(torch::kInt) * 3 / 4 + 40).to(torch::kUInt8);
    EXPECT_NEAR(ms_ssim_pairs(a, b)[0].item<double>(), c.expected, 1e-8) << c.name;
    EXPECT_NEAR(ms_ssim_pairs(b, a)[0].item<double>(), c.expected, 1e-8) << c.name;
  }
  // A batch gives each pair its own score.
  const torch::Tensor a =
      torch::cat({synthetic_image(cases[0].seeds_a, 48), synthetic_image(cases[2].seeds_a, 48)});
  const torch::Tensor b =
      torch::cat({synthetic_image(cases[0].seeds_b, 48), synthetic_image(cases[2].seeds_b, 48)});
  const torch::Tensor scores = ms_ssim_pairs(a, b);
  EXPECT_NEAR(scores[0].item<double>(), cases[0].expected, 1e-8);
  EXPECT_NEAR(scores[1].item<double>(), cases[2].expected, 1e-8);
}

// Constant images: every variance is 0, so each cs is C2 / C2 = 1 and only the last scale's
// luminance term remains: MS-SSIM = ((2ab + C1) / (a^2 + b^2 + C1))^0.1333. Odd sides too.
TEST(MsSsim, ConstantImagesScoreTheLuminanceTermToTheLastWeight) {
  for (auto [h, w] : {std::pair{48, 48}, std::pair{37, 41}}) {
    const double a = 100, b = 150;
    const torch::Tensor x = torch::full({1, 3, h, w}, a, torch::kUInt8);
    const torch::Tensor y = torch::full({1, 3, h, w}, b, torch::kUInt8);
    const double expected = std::pow((2 * a * b + kC1) / (a * a + b * b + kC1), 0.1333);
    EXPECT_NEAR(ms_ssim_pairs(x, y)[0].item<double>(), expected, 1e-10) << h << "x" << w;
  }
}

// Pixel checkerboards 128 +- a and 128 +- b: at full scale every window sees variances a^2
// and b^2 and covariance ab (the window's weighted mean of a checkerboard is ~1e-8: its
// alternating sum is 1.4e-4, squared), and the 2x2 mean makes every coarser scale a flat 128
// (cs = ssim = 1): MS-SSIM = ((2ab + C2) / (a^2 + b^2 + C2))^0.0448. In opposite phase the
// covariance is -ab, cs < 0, clipped to 0: MS-SSIM 0.
TEST(MsSsim, CheckerboardsScoreTheFinestContrastTermToTheFirstWeight) {
  const torch::Tensor yy = torch::arange(48).view({48, 1}), xx = torch::arange(48).view({1, 48});
  const torch::Tensor sign = ((yy + xx) % 2 * 2 - 1).to(torch::kFloat).expand({1, 3, 48, 48});
  const double a = 50, b = 100;
  const torch::Tensor x = (128 + a * sign).to(torch::kUInt8);
  const torch::Tensor y = (128 + b * sign).to(torch::kUInt8);
  const torch::Tensor inverted = (128 - b * sign).to(torch::kUInt8);
  const double expected = std::pow((2 * a * b + kC2) / (a * a + b * b + kC2), 0.0448);
  EXPECT_NEAR(ms_ssim_pairs(x, y)[0].item<double>(), expected, 1e-10);
  EXPECT_EQ(ms_ssim_pairs(x, inverted)[0].item<double>(), 0.0);
}

TEST(MsSsim, IdenticalImagesScoreOne) {
  torch::manual_seed(1);
  torch::Tensor images = torch::randint(0, 256, {6, 3, 48, 48}, torch::kUInt8);
  torch::Tensor scores = ms_ssim_pairs(images, images.clone());
  ASSERT_EQ(scores.size(0), 6);
  for (int64_t i = 0; i < 6; ++i) EXPECT_NEAR(scores[i].item<double>(), 1.0, 1e-6);
}

TEST(MsSsim, IndependentNoiseScoresLowAndIsSymmetric) {
  torch::manual_seed(2);
  torch::Tensor a = torch::randint(0, 256, {4, 3, 64, 64}, torch::kUInt8);
  torch::Tensor b = torch::randint(0, 256, {4, 3, 64, 64}, torch::kUInt8);
  torch::Tensor ab = ms_ssim_pairs(a, b), ba = ms_ssim_pairs(b, a);
  // Only the coarse scales' luminance term stays high for unrelated noise (about 0.1 expected).
  EXPECT_LT(ab.max().item<double>(), 0.25);
  EXPECT_TRUE(torch::allclose(ab, ba, 1e-6, 1e-9));
}

TEST(MsSsim, SmallAndOddSizesWork) {
  torch::manual_seed(3);
  torch::Tensor a = torch::randint(0, 256, {2, 1, 37, 41}, torch::kUInt8);
  torch::Tensor scores = ms_ssim_pairs(a, a);
  EXPECT_NEAR(scores[0].item<double>(), 1.0, 1e-6);
  EXPECT_THROW(ms_ssim_pairs(a, torch::zeros({2, 1, 37, 40}, torch::kUInt8)), DataError);
}

TEST(MsSsimDiversity, CollapsedSetIsOneRealFacesAreLowerAndSeedsRepeat) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  torch::Tensor faces = real_faces(shared, 0, 200);
  MsSsimResult real = ms_ssim_diversity(faces, 1000, 5);
  EXPECT_EQ(real.pairs, 100);
  EXPECT_GT(real.mean, 0.0);
  EXPECT_LT(real.mean, 0.5);
  EXPECT_EQ(ms_ssim_diversity(faces, 1000, 5).mean, real.mean);

  MsSsimResult capped = ms_ssim_diversity(faces, 10, 5);
  EXPECT_EQ(capped.pairs, 10);

  torch::Tensor collapsed = faces.slice(0, 0, 1).expand({50, -1, -1, -1}).contiguous();
  EXPECT_NEAR(ms_ssim_diversity(collapsed, 1000, 5).mean, 1.0, 1e-6);
  EXPECT_THROW(ms_ssim_diversity(faces.slice(0, 0, 1), 10, 5), DataError);
}

}  // namespace
}  // namespace dcgan::metrics
