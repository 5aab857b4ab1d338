// The report as a person sees it: a short real run (`dcgan synth` + `dcgan train`), then
// `dcgan report`, then headless chromium loads the file:// page and takes a screenshot. The
// screenshot must show the page rendered: many colours, every curve's colour, and the final
// sample grid itself (found by template matching against the run's grid PNG).
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "dcgan/report/report_charts.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::run_command;
using dcgan::testing::run_dcgan;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

cv::Vec3b bgr_of(const std::string& css) {
  const int v = std::stoi(css.substr(1), nullptr, 16);
  return cv::Vec3b(v & 0xff, (v >> 8) & 0xff, v >> 16);
}

// Pixels within a small distance of `colour` (antialiasing blends line edges only).
int pixels_near(const cv::Mat& image, cv::Vec3b colour) {
  int n = 0;
  for (auto it = image.begin<cv::Vec3b>(); it != image.end<cv::Vec3b>(); ++it) {
    const cv::Vec3i d = cv::Vec3i(*it) - cv::Vec3i(colour);
    n += d.dot(d) <= 20 * 20;
  }
  return n;
}

size_t distinct_colours(const cv::Mat& image) {
  std::set<uint32_t> colours;
  for (auto it = image.begin<cv::Vec3b>(); it != image.end<cv::Vec3b>(); ++it) {
    colours.insert((*it)[0] << 16 | (*it)[1] << 8 | (*it)[2]);
  }
  return colours.size();
}

// A real short run: `dcgan synth` faces, then `dcgan train` for 4 epochs at 16 px.
void make_short_run(const std::string& dir, const std::string& run) {
  const std::string data = dir + "/faces";
  auto synth = run_dcgan("synth --out '" + data + "' --n 128 --size 16 --seed 3");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  auto train = run_dcgan("-q train --data '" + data + "' --out '" + run +
                         "' --output-size 16 --epochs 4 --batch-size 8 --n-sample 16 "
                         "--gf-dim 8 --df-dim 8 --z-dim 16 --seed 5 --threads 1");
  ASSERT_EQ(train.exit_code, 0) << train.output;
}

std::string last_grid(const std::string& run) {
  std::string last;
  for (const auto& e : fs::directory_iterator(run + "/samples")) {
    last = std::max(last, e.path().string());
  }
  return last;
}

}  // namespace

TEST(ReportBrowser, ChromiumRendersCurvesAndGridsOfARealRun) {
  DCGAN_INSTALLED_OR_SKIP(kChromium, "chromium");
  dcgan::testing::TempDir dir;
  const std::string run = dir / "run";
  ASSERT_NO_FATAL_FAILURE(make_short_run(dir.path(), run));
  auto report = run_dcgan("report '" + run + "'");
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const std::string page = run + "/report.html";
  ASSERT_TRUE(fs::exists(page)) << report.output;

  const std::string shot = dir / "shot.png";
  auto chromium =
      run_command(std::string("timeout 120 ") + kChromium +
                  " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                  " --disable-background-networking --disable-component-update --disable-sync"
                  " --hide-scrollbars --user-data-dir='" +
                  (dir / "profile") + "' --screenshot='" + shot +
                  "' --window-size=1200,2000 'file://" + page + "'");
  ASSERT_TRUE(fs::exists(shot)) << chromium.output;
  const cv::Mat screen = dcgan::vision::read_image(shot);
  ASSERT_EQ(screen.size(), cv::Size(1200, 2000));

  EXPECT_GT(distinct_colours(screen), 500u) << "a blank or text-only page";
  for (const char* colour :
       {dcgan::report::kColourLossDReal, dcgan::report::kColourLossDFake,
        dcgan::report::kColourLossG, dcgan::report::kColourDReal, dcgan::report::kColourDFake}) {
    EXPECT_GT(pixels_near(screen, bgr_of(colour)), 100) << "curve colour " << colour;
  }

  // The final grid, shown enlarged by a whole factor with sharp pixels, is on the screen.
  const cv::Mat grid = dcgan::vision::read_image(last_grid(run));
  const int factor = std::max(1, 640 / grid.cols);
  cv::Mat enlarged;
  cv::resize(grid, enlarged, cv::Size(), factor, factor, cv::INTER_NEAREST);
  ASSERT_LT(enlarged.rows, screen.rows);
  cv::Mat match;
  cv::matchTemplate(screen, enlarged, match, cv::TM_CCOEFF_NORMED);
  double best;
  cv::Point where;
  cv::minMaxLoc(match, nullptr, &best, nullptr, &where);
  EXPECT_GT(best, 0.9) << "the final grid is not on the screenshot (best match at " << where << ")";
  cv::Scalar mean, stddev;
  cv::meanStdDev(screen(cv::Rect(where, enlarged.size())), mean, stddev);
  EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 30) << "the grid region is uniform";
}
