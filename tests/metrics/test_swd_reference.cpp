// SWD against tests/metrics/reference/swd_reference.py, a NumPy implementation written from
// ProGAN's definition, on real faces: a second real set, a blurred, a noisy and a
// colour-shifted one. With the reference rebuilding our draws the two must agree to float
// rounding; with NumPy's own draws, to within the estimator's noise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "dcgan/core/json.h"
#include "dcgan/metrics/swd.h"
#include "metrics/real_faces.h"
#include "support/test_support.h"

namespace dcgan::metrics {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-numpy and -opencv
const std::string kReference =
    std::string(DCGAN_SOURCE_DIR) + "/tests/metrics/reference/swd_reference.py";

// The compared sets, all made from `b` (images other than the real set's): b itself (the
// real-vs-real floor), blurred (GaussianBlur 5x5, sigma 1.2), noisy (Gaussian, sigma 12) and
// colour-shifted (+20 R, -15 G, +10 B, clipped).
struct ComparedSets {
  std::vector<std::string> names = {"real", "blurred", "noisy", "colour-shifted"};
  std::vector<torch::Tensor> images;
};

ComparedSets compared_sets(const torch::Tensor& b) {
  ComparedSets sets;
  torch::Tensor blurred = b.clone();
  for (int64_t i = 0; i < b.size(0); ++i) {
    for (int64_t c = 0; c < 3; ++c) {
      cv::Mat plane(static_cast<int>(b.size(2)), static_cast<int>(b.size(3)), CV_8U,
                    blurred[i][c].data_ptr<uint8_t>());
      cv::GaussianBlur(plane, plane, cv::Size(5, 5), 1.2);
    }
  }
  torch::manual_seed(17);
  torch::Tensor noisy =
      (b.to(torch::kFloat) + 12 * torch::randn(b.sizes())).round().clamp(0, 255).to(torch::kUInt8);
  torch::Tensor shift = torch::tensor({20, -15, 10}, torch::kInt).view({1, 3, 1, 1});
  torch::Tensor shifted = (b.to(torch::kInt) + shift).clamp(0, 255).to(torch::kUInt8);
  sets.images = {b, blurred, noisy, shifted};
  return sets;
}

// uint8 (N, C, H, W) as a .npy file (format 1.0, C order).
void write_npy(const std::string& path, const torch::Tensor& images) {
  const torch::Tensor data = images.contiguous();
  std::ostringstream shape;
  shape << "(";
  for (int64_t s : data.sizes()) shape << s << ", ";
  shape << ")";
  std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + shape.str() + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');  // magic + length + header + \n: 64k
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t length = static_cast<uint16_t>(header.size());
  out.put(static_cast<char>(length & 0xFF)).put(static_cast<char>(length >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(data.data_ptr<uint8_t>()), data.numel());
  ASSERT_TRUE(out.good()) << path;
}

// Fails the test (or skips it, unless DCGAN_REQUIRE_DEPS=1) when Debian's python3 lacks
// NumPy or OpenCV.
#define PYTHON_REFERENCE_OR_SKIP()                                                         \
  do {                                                                                     \
    if (::dcgan::testing::run_command(std::string(kPython) + " -c 'import cv2, numpy'")    \
            .exit_code != 0) {                                                             \
      if (::dcgan::testing::deps_required()) {                                             \
        GTEST_FAIL() << "DCGAN_REQUIRE_DEPS=1 but " << kPython                             \
                     << " cannot import cv2 and numpy (scripts/install-deps.sh)";          \
      }                                                                                    \
      GTEST_SKIP() << kPython << " cannot import cv2 and numpy (scripts/install-deps.sh)"; \
    }                                                                                      \
  } while (false)

// The reference's SWD x1e3 [set][level] of each compared set against the real one.
std::vector<std::vector<double>> reference_swd(const testing::TempDir& dir, size_t sets,
                                               uint64_t seed, const std::string& draws,
                                               const SwdConfig& config) {
  std::string command = std::string(kPython) + " " + testing::shell_quote(kReference) +
                        " --json --real " + testing::shell_quote(dir / "real.npy") + " --compare";
  for (size_t k = 0; k < sets; ++k) {
    command += " " + testing::shell_quote(dir / ("set" + std::to_string(k) + ".npy"));
  }
  command += " --seed " + std::to_string(seed) + " --draws " + draws + " --patches-per-image " +
             std::to_string(config.patches_per_image) + " --dir-repeats " +
             std::to_string(config.dir_repeats) + " --dirs-per-repeat " +
             std::to_string(config.dirs_per_repeat);
  testing::CommandResult result = testing::run_command(command);
  EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
  const size_t line = result.output.rfind('{');
  if (result.exit_code != 0 || line == std::string::npos) return {};
  Json json = Json::parse(result.output.substr(line));
  EXPECT_EQ(json["resolutions"], Json::array({48, 24}));
  return json["swd_x1e3"].get<std::vector<std::vector<double>>>();
}

// Real set (faces 0..n-1) and the compared sets (from faces n..2n-1), written for the
// reference.
struct Inputs {
  torch::Tensor real;
  ComparedSets compared;
};

Inputs write_inputs(const std::string& shared, int64_t n, const testing::TempDir& dir) {
  Inputs inputs{real_faces(shared, 0, n), compared_sets(real_faces(shared, n, n))};
  write_npy(dir / "real.npy", inputs.real);
  for (size_t k = 0; k < inputs.compared.images.size(); ++k) {
    write_npy(dir / ("set" + std::to_string(k) + ".npy"), inputs.compared.images[k]);
  }
  return inputs;
}

// Same draws: everything but the random numbers is computed independently (pyramid, patch
// extraction, per-set normalisation, projections, sorting, W1, averaging), so the only
// differences are float rounding (projection sums in another order, the normalisation's mean
// and std in float64 there): a relative 1e-4 bounds them with a wide margin (measured ~1e-6),
// while a wrong border, a patch off by one pixel or another normalisation moves values by
// whole percents. Default settings (128 patches, 4 x 128 directions), 256 images per set.
TEST(SwdReference, SameDrawsAgreeToFloatRounding) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  PYTHON_REFERENCE_OR_SKIP();
  testing::TempDir dir;
  const Inputs inputs = write_inputs(shared, 256, dir);
  const uint64_t seed = 5;
  const SwdConfig config;
  const std::vector<SwdResult> ours =
      SwdEvaluator(inputs.real, seed).evaluate(inputs.compared.images);
  const auto reference = reference_swd(dir, ours.size(), seed, "dcgan", config);
  ASSERT_EQ(reference.size(), ours.size());
  for (size_t k = 0; k < ours.size(); ++k) {
    for (size_t l = 0; l < 2; ++l) {
      std::printf("%-15s level %d: ours %9.4f  reference %9.4f  (relative gap %.1e)\n",
                  inputs.compared.names[k].c_str(), ours[k].resolutions[l], ours[k].swd_x1e3[l],
                  reference[k][l], std::abs(ours[k].swd_x1e3[l] / reference[k][l] - 1));
      EXPECT_NEAR(ours[k].swd_x1e3[l], reference[k][l], 1e-4 * reference[k][l])
          << inputs.compared.names[k] << " level " << l;
    }
  }
}

// Independent draws (NumPy's generator there, ours here): each side is a random estimator, so
// they agree only to within its noise. Settings that keep that noise small for the time: 128
// images per set, 32 x 128 directions (at level 48 of the blurred set the noise is mostly the
// directions'), ours averaged over two seeds. One estimate's spread from seed to seed on these
// sets (10 seeds of ours, 6 of the reference): 1.2-1.8% for the blurred set at 48, 2% for the
// noisy one at 48, 2.5-4% elsewhere (the real and colour-shifted sets score the sampling floor
// itself, whose noise falls only slowly with more images). Tolerances, ~3.5 standard
// deviations of the difference: 6% (blurred, 48), 9% (noisy, 48), 16% elsewhere. The means
// over those seeds agree within 3% everywhere. (The same-draws test above checks every case
// tightly; this one checks that our draws behave as the definition's do.)
TEST(SwdReference, IndependentDrawsAgreeWithinEstimatorNoise) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  PYTHON_REFERENCE_OR_SKIP();
  testing::TempDir dir;
  const Inputs inputs = write_inputs(shared, 128, dir);
  SwdConfig config;
  config.dir_repeats = 32;
  const std::vector<uint64_t> seeds = {21, 22};
  std::vector<std::vector<double>> ours(inputs.compared.images.size(), std::vector<double>(2));
  for (uint64_t seed : seeds) {
    const std::vector<SwdResult> results =
        SwdEvaluator(inputs.real, seed, config).evaluate(inputs.compared.images);
    for (size_t k = 0; k < results.size(); ++k) {
      for (size_t l = 0; l < 2; ++l) ours[k][l] += results[k].swd_x1e3[l] / seeds.size();
    }
  }
  const auto reference = reference_swd(dir, ours.size(), 21, "numpy", config);
  ASSERT_EQ(reference.size(), ours.size());
  for (size_t k = 0; k < ours.size(); ++k) {
    for (size_t l = 0; l < 2; ++l) {
      const double tolerance = l > 0 ? 0.16 : k == 1 ? 0.06 : k == 2 ? 0.09 : 0.16;
      const double gap = ours[k][l] / reference[k][l] - 1;
      std::printf("%-15s level %d: ours %9.4f  reference %9.4f  (%+.2f%%, tolerance %.0f%%)\n",
                  inputs.compared.names[k].c_str(), l == 0 ? 48 : 24, ours[k][l], reference[k][l],
                  100 * gap, 100 * tolerance);
      EXPECT_LT(std::abs(gap), tolerance) << inputs.compared.names[k] << " level " << l;
    }
  }
}

}  // namespace
}  // namespace dcgan::metrics
