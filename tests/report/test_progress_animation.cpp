// Progress animation: one captioned frame per epoch grid (evenly spaced when there are many),
// small grids enlarged, the last frame held; nothing written before the first grid exists.
#include <gtest/gtest.h>

#include <filesystem>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/report/progress_animation.h"
#include "report/run_fixture.h"
#include "support/test_support.h"
#include "vision/gif_decoder.h"

using namespace dcgan::report;

TEST(ProgressAnimation, OneCaptionedFramePerGrid) {
  dcgan::testing::TempDir dir;
  dcgan::testing::make_run(dir.path(), {});  // 4 epochs, grids of 4x4 tiles of 32 px + padding
  const std::string path = write_progress_animation(dir.path());
  EXPECT_EQ(path, dir / "progress.gif");
  auto gif = dcgan::testing::decode_gif(dcgan::read_file(path));
  ASSERT_EQ(gif.frames.size(), 4u);
  EXPECT_EQ(gif.loop_count, 0);
  EXPECT_EQ(gif.delays, (std::vector<int>{50, 50, 50, 250}));
  EXPECT_EQ(gif.width, 138 * 2) << "a 138 px grid is enlarged twice to reach 256 px";
  EXPECT_EQ(gif.height, 138 * 2 + 24) << "plus the caption strip";
  // The caption strip is white with dark text; the grids above differ between epochs.
  const cv::Mat caption = gif.frames[0](cv::Rect(0, 276, 276, 24));
  EXPECT_EQ(caption.at<cv::Vec3b>(1, 270), cv::Vec3b(255, 255, 255));
  double darkest;
  cv::minMaxLoc(caption.reshape(1), &darkest);
  EXPECT_LT(darkest, 100);
  EXPECT_GT(
      cv::norm(gif.frames[0](cv::Rect(0, 0, 276, 276)), gif.frames[3](cv::Rect(0, 0, 276, 276))),
      1000);
}

TEST(ProgressAnimation, ManyGridsAreSampledAndLargeOnesShrunk) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  fixture.epochs = 12;
  fixture.steps_per_epoch = 2;
  fixture.tile = 160;
  fixture.grid_tiles = 4;  // 2x2 of 160 px + padding = 326 px
  dcgan::testing::make_run(dir.path(), fixture);
  AnimationConfig config;
  config.max_frames = 5;
  config.max_side = 163;
  config.min_side = 64;
  auto gif =
      dcgan::testing::decode_gif(dcgan::read_file(write_progress_animation(dir.path(), config)));
  EXPECT_EQ(gif.frames.size(), 5u);
  EXPECT_EQ(gif.width, 163);
}

TEST(ProgressAnimation, NoGridsYetWritesNothing) {
  dcgan::testing::TempDir dir;
  dcgan::atomic_write(dir / "config.json", "{}");
  EXPECT_EQ(write_progress_animation(dir.path()), "");
  EXPECT_FALSE(std::filesystem::exists(dir / "progress.gif"));
  AnimationConfig bad;
  bad.max_frames = 1;
  EXPECT_THROW(bad.validate(), dcgan::ConfigError);
}
