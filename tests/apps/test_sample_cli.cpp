// `dcgan sample` end to end on a run trained here (synthetic faces, 16 px, narrow nets): every
// mode writes what it promises, and the modes agree with each other and with the library: the
// grid's tiles are the --out-dir singles of the same seed, an interpolation strip starts and
// ends at its two seeds' samples, each --sweep-dim grid sweeps one z dimension, the latent-walk
// GIF passes through its anchors, and --top-k keeps the images D scores highest, best first.
// Bad flag values are one line and exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/data/image_tensors.h"
#include "dcgan/gan/sampler.h"
#include "dcgan/kernels/threads.h"
#include "dcgan/vision/gif_writer.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"
#include "vision/gif_decoder.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;

namespace {

constexpr int kSide = 16;  // the run's image side
constexpr int kZDim = 16;

class SampleCli : public TrainedRunSuite {
 protected:
  static void SetUpTestSuite() { train_suite_run(64, kSide); }
  // `dcgan -q sample --run RUN <args>`.
  static CommandResult sample(const std::string& args) {
    return run_dcgan("-q sample --run " + shell_quote(run()) + " " + args);
  }
};

cv::Mat read(const std::string& path) { return dcgan::vision::read_image(path); }

std::vector<cv::Mat> read_all(const std::vector<std::string>& paths) {
  std::vector<cv::Mat> images;
  for (const auto& p : paths) images.push_back(read(p));
  return images;
}

// The library's view of the same run, computing with as many threads as the CLI.
dcgan::gan::LoadedModel load(const std::string& run) {
  dcgan::kernels::set_compute_threads(0);
  return dcgan::gan::load_for_sampling(run, "", "cpu");
}

TEST_F(SampleCli, GridTilesAreTheSinglesOfTheSameSeed) {
  auto grid = sample("--seed 7 --n 10 --grid " + out("grid.png"));
  ASSERT_EQ(grid.exit_code, 0) << grid.output;
  auto singles = sample("--seed 7 --n 10 --out-dir " + out("singles"));
  ASSERT_EQ(singles.exit_code, 0) << singles.output;

  const std::vector<std::string> files = files_in(out("singles"), ".png");
  ASSERT_EQ(files.size(), 10u);
  EXPECT_EQ(fs::path(files.front()).filename(), "sample-00000.png");
  EXPECT_EQ(fs::path(files.back()).filename(), "sample-00009.png");
  const cv::Mat sheet = read(out("grid.png"));
  // 10 images: 4 columns, 3 rows of 16 px tiles with 2 px padding.
  ASSERT_EQ(sheet.size(), cv::Size(2 + 4 * (kSide + 2), 2 + 3 * (kSide + 2)));
  const std::vector<cv::Mat> images = read_all(files);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(images[i].size(), cv::Size(kSide, kSide));
    EXPECT_EQ(max_abs_diff(grid_tile(sheet, i, 4, kSide), images[i]), 0) << "tile " << i;
  }
  for (int i = 1; i < 10; ++i) {
    EXPECT_GT(max_abs_diff(images[i - 1], images[i]), 0) << "different z, different images";
  }

  // Another seed, other images; the same seed, the same file.
  ASSERT_EQ(sample("--seed 8 --n 10 --grid " + out("other.png")).exit_code, 0);
  EXPECT_GT(max_abs_diff(read(out("other.png")), sheet), 0);
  ASSERT_EQ(sample("--seed 7 --n 10 --grid " + out("again.png")).exit_code, 0);
  EXPECT_EQ(dcgan::read_file(out("again.png")), dcgan::read_file(out("grid.png")));
}

TEST_F(SampleCli, InterpolationStripRunsFromTheFirstSeedToTheSecond) {
  auto strip = sample("--interpolate 3,8 --steps 5 --strip " + out("strip.png"));
  ASSERT_EQ(strip.exit_code, 0) << strip.output;
  const cv::Mat sheet = read(out("strip.png"));
  ASSERT_EQ(sheet.size(), cv::Size(2 + 5 * (kSide + 2), 2 + (kSide + 2))) << "one row of 5";

  ASSERT_EQ(sample("--seed 3 --n 1 --out-dir " + out("a")).exit_code, 0);
  ASSERT_EQ(sample("--seed 8 --n 1 --out-dir " + out("b")).exit_code, 0);
  const cv::Mat a = read(out("a/sample-00000.png"));
  const cv::Mat b = read(out("b/sample-00000.png"));
  ASSERT_GT(max_abs_diff(a, b), 0) << "the two ends must differ for the test to mean anything";
  EXPECT_EQ(max_abs_diff(grid_tile(sheet, 0, 5, kSide), a), 0);
  EXPECT_EQ(max_abs_diff(grid_tile(sheet, 4, 5, kSide), b), 0);
  // The middle is on the way: neither end.
  const cv::Mat middle = grid_tile(sheet, 2, 5, kSide);
  EXPECT_GT(max_abs_diff(middle, a), 0);
  EXPECT_GT(max_abs_diff(middle, b), 0);
  // And the steps are the library's linear interpolation of the two z (uniform z).
  const auto loaded = load(run());
  const auto za = dcgan::gan::sample_latents(loaded, 1, 3)[0];
  const auto zb = dcgan::gan::sample_latents(loaded, 1, 8)[0];
  const auto expected =
      dcgan::data::to_mats(dcgan::gan::generate(loaded, torch::stack({za * 0.5 + zb * 0.5})));
  EXPECT_LE(max_abs_diff(middle, expected[0]), 1);
}

TEST_F(SampleCli, SweepDimWritesOneGridPerZDimensionSweepingThatDimension) {
  auto r = sample("--seed 2 --n 5 --sweep-dim " + out("sweeps"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> files = files_in(out("sweeps"), ".png");
  ASSERT_EQ(files.size(), size_t(kZDim)) << "one grid per z dimension";
  EXPECT_EQ(fs::path(files.front()).filename(), "sweep-dim-000.png");
  EXPECT_EQ(fs::path(files.back()).filename(), "sweep-dim-015.png");

  // Grid d: the n seed-2 latents with dimension d set to -1 .. 1 (uniform z), evenly.
  const auto loaded = load(run());
  const torch::Tensor base = dcgan::gan::sample_latents(loaded, 5, 2);
  for (int dim : {0, 9, kZDim - 1}) {
    const cv::Mat sheet = read(files[dim]);
    ASSERT_EQ(sheet.size(), cv::Size(2 + 3 * (kSide + 2), 2 + 2 * (kSide + 2))) << "3 x 2";
    torch::Tensor z = base.clone();
    z.select(1, dim).copy_(torch::linspace(-1.0, 1.0, 5));
    const auto expected = dcgan::data::to_mats(dcgan::gan::generate(loaded, z));
    for (int i = 0; i < 5; ++i) {
      EXPECT_LE(max_abs_diff(grid_tile(sheet, i, 3, kSide), expected[i]), 1)
          << "dim " << dim << " tile " << i;
    }
  }
  EXPECT_GT(max_abs_diff(read(files[0]), read(files[1])), 0) << "each grid sweeps its own dim";
}

TEST_F(SampleCli, GifWalksThroughItsFourAnchorsAndBack) {
  auto r = sample("--seed 4 --steps 3 --gif " + out("walk.gif"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const DecodedGif gif = decode_gif(dcgan::read_file(out("walk.gif")));
  ASSERT_EQ(gif.frames.size(), 4u * 3) << "4 legs of --steps frames";
  const cv::Size sheet(2 + 4 * (kSide + 2), 2 + 4 * (kSide + 2));  // 16 faces, 4 x 4
  EXPECT_EQ(cv::Size(gif.width, gif.height), sheet);
  EXPECT_EQ(gif.loop_count, 0);
  EXPECT_EQ(gif.delays, std::vector<int>(12, 8));
  // Anchor k (frame 3k) is the grid of the 16 images of seed 4 + k. A GIF frame holds at most
  // 256 colours, chosen from the frame itself, so the frame must be exactly that grid put
  // through the same palette reduction.
  for (int k = 0; k < 4; ++k) {
    const std::string path = out("anchor" + std::to_string(k) + ".png");
    ASSERT_EQ(sample("--seed " + std::to_string(4 + k) + " --n 16 --grid " + path).exit_code, 0);
    const cv::Mat anchor = read(path);
    ASSERT_EQ(anchor.size(), sheet);
    const cv::Mat reduced = decode_gif(dcgan::vision::encode_gif({anchor}, 8)).frames.at(0);
    EXPECT_EQ(max_abs_diff(gif.frames[3 * k], reduced), 0) << "frame " << 3 * k;
    EXPECT_GT(max_abs_diff(gif.frames[3 * k + 1], reduced), 0) << "frame " << 3 * k + 1;
  }
}

TEST_F(SampleCli, TopKKeepsTheImagesDScoresHighestBestFirst) {
  auto top =
      sample("--seed 6 --top-k 4 --from 12 --out-dir " + out("top") + " --grid " + out("top.png"));
  ASSERT_EQ(top.exit_code, 0) << top.output;
  auto all = sample("--seed 6 --n 12 --out-dir " + out("all"));
  ASSERT_EQ(all.exit_code, 0) << all.output;
  const std::vector<cv::Mat> best = read_all(files_in(out("top"), ".png"));
  const std::vector<cv::Mat> candidates = read_all(files_in(out("all"), ".png"));
  ASSERT_EQ(best.size(), 4u);
  ASSERT_EQ(candidates.size(), 12u);
  const cv::Mat sheet = read(out("top.png"));
  ASSERT_EQ(sheet.size(), cv::Size(2 + 2 * (kSide + 2), 2 + 2 * (kSide + 2))) << "2 x 2";

  // D's scores of the 12 candidates, through the library, from the PNGs (lossless).
  std::vector<torch::Tensor> tensors;
  for (const cv::Mat& bgr : candidates) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    tensors.push_back(dcgan::data::hwc_mat_to_chw(rgb));
  }
  const auto loaded = load(run());
  const torch::Tensor scores = dcgan::gan::score(loaded, torch::stack(tensors));
  std::vector<int> order(12);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return scores[a].item<float>() > scores[b].item<float>(); });
  ASSERT_GT(scores[order[3]].item<float>(), scores[order[4]].item<float>()) << "no tie at the cut";
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(max_abs_diff(best[i], candidates[order[i]]), 0)
        << "top-k image " << i << " should be candidate " << order[i];
    EXPECT_EQ(max_abs_diff(grid_tile(sheet, i, 2, kSide), best[i]), 0) << "grid tile " << i;
  }
}

TEST_F(SampleCli, BadFlagValuesAreOneLineAndExitTwo) {
  const std::string g = " --grid " + out("g.png");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--top-k 5 --from 3" + g, "--top-k"},
      {"--top-k 5" + g, "--from"},
      {"--top-k 2 --from 4", "--top-k"},  // nothing to put the chosen images in
      {"--interpolate 3,8", "--strip"},
      {"--interpolate 3 --strip " + out("s.png"), "--interpolate"},
      {"--interpolate 3,8 --steps 1 --strip " + out("s.png"), "--steps"},
      {"--n 0" + g, "--n"},
      {"--n many" + g, "--n"},
      {"", "--grid"},  // nothing to write
  };
  for (const auto& [args, flag] : cases) {
    auto r = sample(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    const auto lines = lines_of(r.output);
    EXPECT_EQ(lines.size(), 1u) << args << ": " << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_FALSE(fs::exists(out("g.png")));
  EXPECT_FALSE(fs::exists(out("s.png")));
}

TEST_F(SampleCli, MissingRunOrCheckpointIsOneLine) {
  auto missing = run_dcgan("sample --run " + out("nope") + " --grid " + out("g.png"));
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_EQ(lines_of(missing.output).size(), 1u) << missing.output;
  EXPECT_NE(missing.output.find("nope"), std::string::npos) << missing.output;

  fs::create_directories(out("untrained/checkpoints"));
  auto untrained = run_dcgan("sample --run " + out("untrained") + " --grid " + out("g.png"));
  EXPECT_EQ(untrained.exit_code, 4) << untrained.output;
  EXPECT_EQ(lines_of(untrained.output).size(), 1u) << untrained.output;
  EXPECT_NE(untrained.output.find("no checkpoint"), std::string::npos) << untrained.output;
}

TEST_F(SampleCli, CheckpointFlagSamplesThatCheckpoint) {
  const auto checkpoints = dcgan::gan::list_checkpoints(run());
  ASSERT_GE(checkpoints.size(), 2u) << "one per epoch";
  auto newest = sample("--seed 1 --n 4 --grid " + out("newest.png"));
  auto oldest = run_dcgan("-q sample --checkpoint " + shell_quote(checkpoints.front()) +
                          " --seed 1 --n 4 --grid " + out("oldest.png"));
  ASSERT_EQ(newest.exit_code, 0) << newest.output;
  ASSERT_EQ(oldest.exit_code, 0) << oldest.output;
  EXPECT_GT(max_abs_diff(read(out("newest.png")), read(out("oldest.png"))), 0)
      << "another checkpoint, other weights, other images";
  auto explicit_newest = run_dcgan("-q sample --checkpoint " + shell_quote(checkpoints.back()) +
                                   " --seed 1 --n 4 --grid " + out("explicit.png"));
  ASSERT_EQ(explicit_newest.exit_code, 0) << explicit_newest.output;
  EXPECT_EQ(dcgan::read_file(out("explicit.png")), dcgan::read_file(out("newest.png")));
}

}  // namespace
