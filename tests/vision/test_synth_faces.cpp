// The synthetic demo set: deterministic per seed, different across seeds, varied (no
// duplicates among 1,000 faces, mean pairwise distance well above zero), written whole, and
// the unfinished images of a killed run removed.
#include "dcgan/vision/synth_faces.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "dcgan/core/atomic_file.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

namespace {

std::string bytes_of(const cv::Mat& m) {
  return std::string(reinterpret_cast<const char*>(m.data), m.total() * m.elemSize());
}

TEST(SynthFaces, SameSeedSameImageOtherSeedOtherImage) {
  for (int size : {16, 48, 64, 96}) {
    cv::Mat a = draw_synth_face(7, 3, size);
    ASSERT_EQ(a.rows, size);
    ASSERT_EQ(a.type(), CV_8UC3);
    EXPECT_EQ(bytes_of(a), bytes_of(draw_synth_face(7, 3, size)));
    EXPECT_NE(bytes_of(a), bytes_of(draw_synth_face(8, 3, size)));
    EXPECT_NE(bytes_of(a), bytes_of(draw_synth_face(7, 4, size)));
  }
}

TEST(SynthFaces, ThousandFacesAreVariedAndDistinct) {
  const int n = 1000, size = 32;
  std::vector<cv::Mat> faces;
  std::set<std::string> distinct;
  for (int i = 0; i < n; ++i) {
    faces.push_back(draw_synth_face(1, i, size));
    distinct.insert(bytes_of(faces.back()));
  }
  EXPECT_EQ(distinct.size(), size_t(n)) << "duplicate faces in the set";
  // Mean absolute pixel difference over random pairs, in 0..255 units.
  double total = 0, min_pair = 1e9;
  cv::RNG rng(5);
  const int pairs = 2000;
  for (int k = 0; k < pairs; ++k) {
    int i = rng.uniform(0, n), j = rng.uniform(0, n);
    if (i == j) j = (j + 1) % n;
    double d = cv::norm(faces[i], faces[j], cv::NORM_L1) / (size * size * 3);
    total += d;
    min_pair = std::min(min_pair, d);
  }
  EXPECT_GT(total / pairs, 25.0) << "faces are too alike on average";
  EXPECT_GT(min_pair, 1.0) << "some pair is nearly identical";
  // Faces are not blank: every face has a real spread of colours.
  for (int i = 0; i < 50; ++i) {
    cv::Scalar mean, stddev;
    cv::meanStdDev(faces[i], mean, stddev);
    EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 30.0) << i;
  }
}

// A synth killed while writing leaves IMAGE.tmp-PID-N, which the next run removes.
TEST(SynthFaces, ARunRemovesTheUnfinishedImagesOfAKilledOne) {
  TempDir out;
  const std::string unfinished =
      out / ("face-0.png.tmp-" + std::to_string(dcgan::testing::dead_pid()) + "-0");
  dcgan::atomic_write(unfinished, "half a PNG");
  SynthConfig config;
  config.n = 4;
  config.size = 32;
  config.out_dir = out.path();
  write_synth_set(config);
  EXPECT_FALSE(std::filesystem::exists(unfinished));
}

TEST(SynthFaces, WritesSetByteIdenticalForSameSeed) {
  TempDir a, b, c;
  SynthConfig config;
  config.n = 20;
  config.size = 32;
  config.seed = 11;
  config.out_dir = a.path();
  write_synth_set(config);
  config.out_dir = b.path();
  config.threads = 2;  // thread count must not change the bytes
  write_synth_set(config);
  config.out_dir = c.path();
  config.seed = 12;
  write_synth_set(config);
  int differing = 0;
  for (int i = 0; i < 20; ++i) {
    std::string name = synth_file_name(i, "png");
    EXPECT_EQ(dcgan::read_file(a / name), dcgan::read_file(b / name)) << name;
    differing += dcgan::read_file(a / name) != dcgan::read_file(c / name);
  }
  EXPECT_EQ(differing, 20);
  EXPECT_TRUE(std::filesystem::exists(a / "synth.json"));
  // A second run with the same settings is a no-op.
  config.out_dir = a.path();
  config.seed = 11;
  EXPECT_TRUE(write_synth_set(config).up_to_date);
}

TEST(SynthFaces, ValidateNamesTheFlag) {
  SynthConfig config;
  config.out_dir = "x";
  config.size = 2;
  try {
    config.validate();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("--size"), std::string::npos);
  }
}

}  // namespace
