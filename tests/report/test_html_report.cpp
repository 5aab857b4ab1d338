// The HTML report: sections, curves and images present and decodable, nothing fetched from
// elsewhere, status of finished and running runs, and the size bound for a 50,000-step run
// with incompressible (noise) grids.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/report/html_report.h"
#include "dcgan/report/progress_animation.h"
#include "dcgan/report/report_charts.h"
#include "dcgan/report/svg_chart.h"
#include "dcgan/vision/image_io.h"
#include "report/run_fixture.h"
#include "support/test_support.h"

using namespace dcgan::report;
namespace fs = std::filesystem;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Every data URI of a MIME type in the page, decoded.
std::vector<std::string> data_uris(const std::string& html, const std::string& mime) {
  std::vector<std::string> out;
  const std::string prefix = "data:" + mime + ";base64,";
  for (size_t pos = html.find(prefix); pos != std::string::npos; pos = html.find(prefix, pos + 1)) {
    const size_t start = pos + prefix.size();
    const size_t end = html.find_first_of("'\"", start);
    out.push_back(dcgan::testing::base64_decode(html.substr(start, end - start)));
  }
  return out;
}

cv::Mat decode(const std::string& bytes) {
  return cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
}

// Points of every <polyline> in the page.
std::vector<size_t> polyline_sizes(const std::string& html) {
  std::vector<size_t> sizes;
  const std::string tag = "<polyline";
  for (size_t pos = html.find(tag); pos != std::string::npos; pos = html.find(tag, pos + 1)) {
    const size_t start = html.find("points='", pos) + 8;
    const std::string points = html.substr(start, html.find('\'', start) - start);
    sizes.push_back(count(points, ","));
  }
  return sizes;
}

}  // namespace

TEST(HtmlReport, CompleteRunHasEverySectionAndDecodableImages) {
  dcgan::testing::TempDir dir;
  dcgan::testing::make_run(dir.path(), {});
  ASSERT_FALSE(write_progress_animation(dir.path()).empty());
  const std::string out = write_run_report(dir.path());
  EXPECT_EQ(out, dir / "report.html");
  const std::string html = dcgan::read_file(out);

  for (const char* id :
       {"summary", "losses", "d-outputs", "swd", "throughput", "final", "progress", "config"}) {
    EXPECT_NE(html.find(std::string("<section id='") + id + "'"), std::string::npos) << id;
  }
  for (const char* colour : {kColourLossDReal, kColourLossDFake, kColourLossG, kColourDReal,
                             kColourDFake, kColourSwd, kColourThroughput}) {
    EXPECT_NE(html.find(std::string("stroke='") + colour + "'"), std::string::npos) << colour;
  }
  EXPECT_NE(html.find("equilibrium 0.5"), std::string::npos);
  EXPECT_NE(html.find(">finished<"), std::string::npos);
  EXPECT_NE(html.find("model.arch"), std::string::npos);
  EXPECT_NE(html.find("50.0 s"), std::string::npos) << "training time of 100 steps x 0.5 s";

  // Self-contained: nothing loaded from elsewhere.
  for (const char* remote : {"http://", "https://", "<script src", "<link", "src='/", "url(http"}) {
    EXPECT_EQ(html.find(remote), std::string::npos) << remote;
  }
  // Final grid (PNG, the file itself), 4 slider grids (JPEG), the animation (GIF).
  const auto pngs = data_uris(html, "image/png");
  ASSERT_EQ(pngs.size(), 1u);
  EXPECT_EQ(pngs[0], dcgan::read_file(dir / "samples/epoch-0004.png"));
  const auto jpegs = data_uris(html, "image/jpeg");
  ASSERT_EQ(jpegs.size(), 4u);
  const cv::Mat last = dcgan::vision::read_image(dir / "samples/epoch-0004.png");
  for (const auto& jpeg : jpegs) EXPECT_EQ(decode(jpeg).size(), last.size());
  cv::Mat diff;
  cv::absdiff(decode(jpegs.back()), last, diff);
  EXPECT_LT(cv::mean(diff)[1], 12) << "the slider's last grid is the last epoch's";
  const auto gifs = data_uris(html, "image/gif");
  ASSERT_EQ(gifs.size(), 1u);
  EXPECT_EQ(gifs[0], dcgan::read_file(dir / "progress.gif"));
  EXPECT_NE(html.find("\"epoch 3\""), std::string::npos);
}

TEST(HtmlReport, RunInProgressAndCustomOutput) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  fixture.summary = false;
  fixture.evals = false;
  dcgan::testing::make_run(dir / "run<&>", fixture);
  const std::string out = write_run_report(dir / "run<&>", dir / "elsewhere.html");
  EXPECT_EQ(out, dir / "elsewhere.html");
  EXPECT_FALSE(fs::exists(dir / "run<&>/report.html"));
  const std::string html = dcgan::read_file(out);
  EXPECT_NE(html.find("in progress at step 100"), std::string::npos);
  EXPECT_NE(html.find("run&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<section id='swd'"), std::string::npos) << "no eval records";
  EXPECT_EQ(html.find("image/gif"), std::string::npos) << "no progress.gif written";
}

TEST(HtmlReport, CorruptGridIsSkipped) {
  dcgan::testing::TempDir dir;
  dcgan::testing::make_run(dir.path(), {});
  dcgan::atomic_write(dir / "samples/epoch-0002.png", "not a png");
  EXPECT_EQ(write_progress_animation(dir.path()), dir / "progress.gif");
  const std::string html = dcgan::read_file(write_run_report(dir.path()));
  EXPECT_EQ(data_uris(html, "image/jpeg").size(), 3u);
  EXPECT_EQ(html.find("\"epoch 2\""), std::string::npos);
  EXPECT_NE(html.find("3 of 4 grids"), std::string::npos);
}

TEST(HtmlReport, EmptyRunAndNotARun) {
  dcgan::testing::TempDir dir;
  dcgan::atomic_write(dir / "config.json", "{\"device\": \"cpu\"}");
  const std::string html = dcgan::read_file(write_run_report(dir.path()));
  EXPECT_NE(html.find("nothing recorded yet"), std::string::npos);
  EXPECT_NE(html.find("No sample grid written yet"), std::string::npos);
  EXPECT_THROW(write_run_report(dir / "missing"), dcgan::DataError);
  ReportConfig bad;
  bad.run_dir = dir.path();
  bad.max_points = 5;
  EXPECT_THROW(write_run_report(bad), dcgan::ConfigError);
}

TEST(HtmlReport, FiftyThousandStepsWithNoiseGridsStayUnderTenMegabytes) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  fixture.epochs = 100;
  fixture.steps_per_epoch = 500;
  fixture.grid_tiles = 36;
  fixture.tile = 64;
  fixture.noise_grids = true;  // incompressible: the worst case for the page size
  dcgan::testing::make_run(dir.path(), fixture);
  write_progress_animation(dir.path());
  const std::string html = dcgan::read_file(write_run_report(dir.path()));
  EXPECT_LT(html.size(), 10'000'000u);
  EXPECT_GT(html.size(), 5'000'000u) << "the budget should be used, not wasted";
  for (size_t points : polyline_sizes(html)) EXPECT_LE(points, 1000u);
  EXPECT_GE(count(html, "<polyline"), 3u + 2 + 4 + 1);
  const auto jpegs = data_uris(html, "image/jpeg");
  EXPECT_GE(jpegs.size(), 2u);
  EXPECT_LT(jpegs.size(), 61u) << "noise grids cannot all fit";
  EXPECT_EQ(data_uris(html, "image/png").size(), 1u);
  EXPECT_NE(html.find("100 grids"), std::string::npos);
}

TEST(SvgChart, DashedSeriesAreDashedInTheLegendToo) {
  ChartSpec spec;
  spec.id = "c";
  spec.title = "t";
  const std::vector<double> x = {1, 2, 3}, y = {0.5, 0.5, 0.5};
  spec.series = {{"under", "#111111", decimate(x, y, 10), ""},
                 {"over", "#222222", decimate(x, y, 10), "8 5"}};
  const std::string svg = render_svg_chart(spec);
  EXPECT_EQ(count(svg, "stroke-dasharray='8 5'"), 2u) << svg;  // its line and its legend swatch
  const size_t under = svg.find("<polyline fill='none' stroke='#111111'");
  ASSERT_NE(under, std::string::npos);
  EXPECT_EQ(svg.substr(under, svg.find("/>", under) - under).find("dasharray"), std::string::npos);
}
