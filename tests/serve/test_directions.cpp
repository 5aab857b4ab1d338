// The sliders' latent directions (serve/directions.h) on generators whose answer is known: a
// linear "G" whose pixel variance lies mostly along one z coordinate gives that coordinate as
// the first direction, and the next strongest as the second; the sign makes the image brighter;
// sigma is the samples' spread along the direction; explained shares fall and sum below 1.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/serve/directions.h"

using dcgan::serve::directions_from_samples;

namespace {

TEST(LatentDirections, ALinearGeneratorsStrongestZCoordinatesComeFirst) {
  torch::manual_seed(3);
  const int64_t n = 256, z_dim = 10, pixels = 48;
  const torch::Tensor z = torch::rand({n, z_dim}) * 2 - 1;
  // Pixels = z A with A's rows orthogonal, row 4 the strongest (x8) and row 7 next (x4), then
  // the others x1: as if coordinate 4 turned the face's brightness and 7 something lesser.
  torch::Tensor a = std::get<0>(torch::linalg::qr(torch::randn({pixels, z_dim}))).t().contiguous();
  a[4] *= 8;
  a[7] *= 4;
  const torch::Tensor images = torch::mm(z, a) * 10 + 128;
  const auto found = directions_from_samples(z, images, 3);
  ASSERT_EQ(found.directions.size(0), 3);
  ASSERT_EQ(found.directions.size(1), z_dim);
  EXPECT_EQ(found.samples, n);

  const torch::Tensor first = found.directions[0], second = found.directions[1];
  EXPECT_NEAR(first.norm().item<double>(), 1.0, 1e-5);
  // Not exactly 1: the least squares also picks up the samples' chance correlations between
  // z coordinates, about 1/sqrt(256) each.
  EXPECT_GT(std::abs(first[4].item<double>()), 0.95) << first;
  EXPECT_GT(std::abs(second[7].item<double>()), 0.95) << second;
  // + brightens: the summed pixel change along the direction is positive.
  EXPECT_GT(torch::mm(first.unsqueeze(0), a).sum().item<double>(), 0);
  EXPECT_GT(torch::mm(second.unsqueeze(0), a).sum().item<double>(), 0);
  // sigma: the std of uniform(-1, 1) along a coordinate, 1/sqrt(3).
  EXPECT_NEAR(found.sigma[0], 1 / std::sqrt(3.0), 0.06);
  EXPECT_GT(found.explained[0], found.explained[1]);
  EXPECT_GT(found.explained[1], found.explained[2]);
  // Variance along row 4: 64 / (64 + 16 + 8) of the total, near enough for 256 samples.
  EXPECT_NEAR(found.explained[0], 64.0 / 88.0, 0.08);
}

TEST(LatentDirections, NoMoreDirectionsThanTheSamplesHold) {
  const torch::Tensor z = torch::tensor({{1.0f, 0.0f}, {-1.0f, 0.0f}});
  const torch::Tensor images = torch::tensor({{10.0f, 10.0f}, {0.0f, 0.0f}});
  const auto found = directions_from_samples(z, images, 5);
  ASSERT_EQ(found.directions.size(0), 1);
  EXPECT_NEAR(found.directions[0][0].item<double>(), 1.0, 1e-6) << "+ is the brighter side";
  EXPECT_THROW(directions_from_samples(z.narrow(0, 0, 1), images.narrow(0, 0, 1), 2),
               dcgan::DataError);
}

}  // namespace
