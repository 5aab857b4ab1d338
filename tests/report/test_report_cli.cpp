// `dcgan report`: writes the page and the animation and prints the page's path; --out and
// --no-animation; works on a run still training; bad flags and non-runs map to exit codes 2
// and 4 with messages naming the flag or folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "report/run_fixture.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::run_dcgan;

TEST(ReportCli, WritesReportAndAnimationAndPrintsThePath) {
  dcgan::testing::TempDir dir;
  dcgan::testing::make_run(dir / "run", {});
  auto result = run_dcgan("-q report '" + (dir / "run") + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, dir / "run/report.html\n");
  EXPECT_TRUE(fs::exists(dir / "run/progress.gif"));
  EXPECT_GT(fs::file_size(dir / "run/report.html"), 10000u);
}

TEST(ReportCli, OutAndNoAnimationOnARunStillTraining) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  fixture.summary = false;
  dcgan::testing::make_run(dir / "run", fixture);
  std::ofstream(dir / "run/metrics.jsonl", std::ios::app) << "{\"kind\": \"st";  // mid-append
  auto result =
      run_dcgan("report '" + (dir / "run") + "' --out '" + (dir / "r.html") + "' --no-animation");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(dir / "r.html"));
  EXPECT_FALSE(fs::exists(dir / "run/progress.gif"));
  EXPECT_FALSE(fs::exists(dir / "run/report.html"));
}

TEST(ReportCli, BadFlagsAndFoldersThatAreNotRuns) {
  dcgan::testing::TempDir dir;
  auto not_run = run_dcgan("report '" + dir.path() + "'");
  EXPECT_EQ(not_run.exit_code, 4) << not_run.output;
  EXPECT_NE(not_run.output.find(dir.path()), std::string::npos) << not_run.output;
  dcgan::testing::make_run(dir / "run", {});
  auto bad = run_dcgan("report '" + (dir / "run") + "' --max-points 5");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--max-points"), std::string::npos) << bad.output;
  auto missing = run_dcgan("report");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
}
