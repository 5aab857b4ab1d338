// `dcgan eval` end to end on real faces: generated = synthetic cartoon faces written to a
// folder. The report has every section, the cartoons sit far above the real floor, the JSON
// and grid files exist, bad flags exit 2 and an undecodable file exits 6 after the report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dcgan/core/error.h"
#include "dcgan/metrics/eval_report.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"

namespace dcgan::metrics {
namespace {

using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;

void write_cartoons(const std::string& dir, int n) {
  for (int i = 0; i < n; ++i) {
    vision::write_image(dir + "/" + vision::synth_file_name(i, "png"),
                        vision::draw_synth_face(4, i, 48), 95, false);
  }
}

TEST(EvalReport, ReportsSwdWithFloorDiversityAndNearest) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  const std::string fakes = tmp / "fake";
  std::filesystem::create_directory(fakes);
  write_cartoons(fakes, 60);
  EvalConfig config;
  config.real_dir = shared + "/data/anime-faces";
  config.fake_dir = fakes;
  config.n = 60;
  config.seed = 3;
  config.nearest_queries = 4;
  config.json_path = tmp / "eval.json";
  EvalReport report = run_eval(config);
  const Json& j = report.json;

  EXPECT_EQ(j["side"], 48);
  EXPECT_EQ(j["images_per_set"], 60);
  EXPECT_EQ(j["swd_x1e3"]["resolutions"], Json::array({48, 24}));
  const double fake = j["swd_x1e3"]["fake_vs_real"]["avg"].get<double>();
  const double floor = j["swd_x1e3"]["real_vs_real"]["avg"].get<double>();
  EXPECT_GT(floor, 0.0);
  EXPECT_GT(fake, 3 * floor) << "cartoons should be far from real faces";
  EXPECT_GT(j["ms_ssim"]["fake"].get<double>(), 0.0);
  EXPECT_EQ(j["ms_ssim"]["pairs"], 30);
  EXPECT_EQ(j["nearest"]["queries"], 4);
  EXPECT_EQ(j["nearest"]["searched"], 120);
  EXPECT_GT(j["nearest"]["real_to_real_mse"]["min"].get<double>(), 0.0);
  EXPECT_EQ(j["nearest"]["grid"], tmp / "eval-nearest.png");
  EXPECT_TRUE(report.skipped.empty());

  EXPECT_EQ(read_json_file(tmp / "eval.json"), j);
  cv::Mat grid = vision::read_image(tmp / "eval-nearest.png");
  EXPECT_EQ(grid.cols, 2 + 6 * (48 + 2));
  EXPECT_EQ(grid.rows, 2 + 4 * (48 + 2));

  std::string table = format_eval_table(j);
  EXPECT_NE(table.find("real vs real (floor)"), std::string::npos) << table;
  EXPECT_NE(table.find("MS-SSIM"), std::string::npos) << table;
  EXPECT_NE(table.find("generated -> real"), std::string::npos) << table;

  // Same seed, same numbers.
  config.json_path.clear();
  EXPECT_EQ(run_eval(config).json["swd_x1e3"], j["swd_x1e3"]);
}

TEST(EvalCli, BadFlagsExitTwoAndUndecodableFilesExitSixAfterTheReport) {
  std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  const std::string real = shared + "/data/anime-faces";
  auto both = run_dcgan("eval --real " + real + " --fake " + tmp.path() + " --run " + tmp.path());
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("--fake"), std::string::npos) << both.output;
  auto missing = run_dcgan("eval --real " + real + " --fake " + tmp.path() + "/nope");
  EXPECT_EQ(missing.exit_code, 3) << missing.output;

  write_cartoons(tmp.path(), 12);
  std::ofstream(tmp / "broken.png") << "not an image";
  auto partial = run_dcgan("eval --real " + real + " --fake " + tmp.path() +
                           " --n 10 --nearest 2 --json " + (tmp / "r.json"));
  EXPECT_EQ(partial.exit_code, 6) << partial.output;
  EXPECT_NE(partial.output.find("broken.png"), std::string::npos) << partial.output;
  EXPECT_NE(partial.output.find("SWD x1e3"), std::string::npos) << partial.output;
  Json report = read_json_file(tmp / "r.json");
  EXPECT_EQ(report["skipped"].size(), 1u);
}

}  // namespace
}  // namespace dcgan::metrics
