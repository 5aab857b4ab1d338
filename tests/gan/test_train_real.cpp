// Real-data smoke test: 200 iterations on 2,000 of the real anime faces at 32 px give finite
// losses, D outputs strictly inside (0, 1) and a written sample grid.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "dcgan/core/json.h"
#include "dcgan/gan/trainer.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::gan;
using dcgan::testing::TempDir;

TEST(TrainReal, TwoHundredIterationsOnRealFaces) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  TrainConfig c;
  c.data.dir = shared + "/data/anime-faces";
  c.data.pattern = "*.jpg";
  c.data.output_size = 32;
  c.data.limit = 2000;
  c.out_dir = tmp / "run";
  c.epochs = 100;
  c.max_steps = 200;
  c.batch_size = 64;
  c.cache = false;
  c.sample_every = 100;
  TrainSummary summary = train(c);
  EXPECT_EQ(summary.steps, 200);
  int steps = 0;
  for (const auto& r : dcgan::read_jsonl_file(tmp / "run/metrics.jsonl")) {
    if (r["kind"] != "step") continue;
    ++steps;
    for (const char* key : {"loss_d_real", "loss_d_fake", "loss_g"}) {
      EXPECT_TRUE(std::isfinite(r[key].get<double>())) << key << " at step " << r["step"];
    }
    for (const char* key : {"d_real", "d_fake"}) {
      EXPECT_GT(r[key].get<double>(), 0.0) << key;
      EXPECT_LT(r[key].get<double>(), 1.0) << key;
    }
  }
  EXPECT_EQ(steps, 200);
  cv::Mat grid = dcgan::vision::read_image(tmp / "run/samples/step-00000200.png");
  EXPECT_EQ(grid.cols, 2 + 8 * 34);
  cv::Scalar mean, stddev;
  cv::meanStdDev(grid, mean, stddev);
  EXPECT_GT(stddev[0], 10.0) << "the grid is flat";
}
