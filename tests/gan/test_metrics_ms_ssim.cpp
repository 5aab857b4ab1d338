// MS-SSIM: 1 for identical images, low for independent noise, symmetric; the
// diversity of a collapsed set (one face repeated) is 1 and of real faces well below.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/gan/dataset.h"
#include "dcgan/gan/metrics_ms_ssim.h"
#include "support/test_support.h"

namespace dcgan::gan {
namespace {

torch::Tensor real_faces(const std::string& shared, int64_t n, int side) {
  DataConfig config;
  config.dir = shared + "/data/anime-faces";
  config.output_size = side;
  config.channels = "3";
  config.limit = n;
  return load_image_set(config).images;
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
  torch::Tensor faces = real_faces(shared, 200, 48);
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
}  // namespace dcgan::gan
