// The crop stage end to end on real illustrations: boxes and names as the recipe, the manifest,
// re-runs (which remove a killed run's unfinished crops), box filters, gray and alpha sources,
// and results independent of the thread count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "crop_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/vision/crop_pipeline.h"
#include "dcgan/vision/image_io.h"
#include "expected_boxes.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::Json;
using dcgan::testing::copy_illustrations;
using dcgan::testing::crop_config;
using dcgan::testing::manifest_records;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

cv::Rect rect_of(const Json& j) { return {j[0], j[1], j[2], j[3]}; }

std::vector<std::string> files_under(const std::string& dir, const std::string& ext) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ext) files.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// A crop killed while writing a crop leaves CROP.tmp-PID-N, which no record vouches for and
// which a resumed run used to leave forever (found by the kill trials, tests/apps).
TEST(CropPipeline, ARunRemovesTheUnfinishedCropsOfAKilledOne) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out;
  copy_illustrations(shared, in.path(), {dcgan::testing::read_expected_boxes().begin()->first});
  const std::string unfinished =
      out / ("x-0.jpg.tmp-" + std::to_string(dcgan::testing::dead_pid()) + "-3");
  dcgan::atomic_write(unfinished, "half a JPEG");
  run_crop(crop_config(shared, in.path(), out.path()));
  EXPECT_FALSE(fs::exists(unfinished));
}

TEST(CropPipeline, RecipeDefaultsGiveOpenCvPythonBoxesAndNames) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  const auto expected = dcgan::testing::read_expected_boxes();
  TempDir in, out;
  std::vector<std::string> names;
  for (const auto& e : expected) names.push_back(e.first);
  copy_illustrations(shared, in.path(), names);
  const CropSummary summary = run_crop(crop_config(shared, in.path(), out.path()));
  EXPECT_EQ(summary.images, 39);
  EXPECT_EQ(summary.faces_found, 38);
  EXPECT_EQ(summary.faces_written, 38);
  EXPECT_TRUE(summary.failed.empty());
  std::map<std::string, std::vector<cv::Rect>> boxes;
  for (const Json& face : manifest_records(out.path(), "face")) {
    boxes[face["source"]].push_back(rect_of(face["box"]));
    EXPECT_EQ(rect_of(face["region"]), rect_of(face["box"]));  // no margin by default
  }
  std::vector<std::string> expected_files;
  for (const auto& [source, want] : expected) {
    EXPECT_EQ(boxes[source], want) << source;
    for (size_t i = 0; i < want.size(); ++i) {
      expected_files.push_back(fs::path(source).replace_extension("").string() + "-" +
                               std::to_string(i) + ".jpg");
    }
  }
  std::sort(expected_files.begin(), expected_files.end());
  EXPECT_EQ(files_under(out.path(), ".jpg"), expected_files);
  const cv::Mat crop = read_image(out / "tadne-tiles/tile_05-1.jpg");
  EXPECT_EQ(crop.size(), cv::Size(96, 96));
  EXPECT_EQ(manifest_records(out.path(), "source").size(), 39u);
}

TEST(CropPipeline, RerunSkipsFinishedSourcesAndPicksUpNewOnes) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out;
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_01.jpg", "tadne-tiles/tile_02.jpg"});
  const CropConfig config = crop_config(shared, in.path(), out.path());
  EXPECT_EQ(run_crop(config).processed, 2);
  const auto written = fs::last_write_time(out / "tadne-tiles/tile_01-0.jpg");
  CropSummary again = run_crop(config);
  EXPECT_EQ(again.processed, 0);
  EXPECT_EQ(again.already_done, 2);
  EXPECT_EQ(fs::last_write_time(out / "tadne-tiles/tile_01-0.jpg"), written);
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_05.jpg"});
  again = run_crop(config);
  EXPECT_EQ(again.processed, 1);
  EXPECT_EQ(again.faces_written, 2);
  // A source whose face records were written but not its source record (a crash mid-image)
  // is done again.
  dcgan::atomic_write(out / "manifest.jsonl",
                      dcgan::read_file(out / "manifest.jsonl") +
                          R"({"kind":"face","source":"tadne-tiles/tile_09.jpg","index":0,)"
                          R"("box":[1,1,60,60],"region":[1,1,60,60],"output":"x.jpg",)"
                          R"("dhash":"0000000000000000"})"
                          "\n");
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_09.jpg"});
  EXPECT_EQ(run_crop(config).processed, 1);
}

TEST(CropPipeline, BoxFiltersAndMarginAreRecorded) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in;
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_05.jpg"});  // boxes 103 and 119 px
  {
    TempDir out;
    CropConfig config = crop_config(shared, in.path(), out.path());
    config.max_faces_per_image = 1;
    const CropSummary summary = run_crop(config);
    EXPECT_EQ(summary.dropped_max_faces, 1);
    EXPECT_EQ(files_under(out.path(), ".jpg"),
              std::vector<std::string>{"tadne-tiles/tile_05-1.jpg"});
  }
  {
    TempDir out;
    CropConfig config = crop_config(shared, in.path(), out.path());
    config.min_face = 110;
    config.geometry.margin = 0.25;
    config.geometry.pad = true;
    config.geometry.size = 64;
    config.format = "png";
    EXPECT_EQ(run_crop(config).dropped_min_face, 1);
    const auto faces = manifest_records(out.path(), "face");
    ASSERT_EQ(faces.size(), 2u);
    EXPECT_EQ(faces[0]["reason"], "min_face");
    EXPECT_TRUE(faces[0]["output"].is_null());
    EXPECT_EQ(faces[1]["output"], "tadne-tiles/tile_05-1.png");
    const cv::Rect box = rect_of(faces[1]["box"]), region = rect_of(faces[1]["region"]);
    EXPECT_NEAR(region.width, box.width * 1.5, 1.0);
    EXPECT_NEAR(region.x + region.width / 2.0, box.x + box.width / 2.0, 1.0);
    EXPECT_EQ(read_image(out / "tadne-tiles/tile_05-1.png").size(), cv::Size(64, 64));
  }
}

TEST(CropPipeline, GrayAndAlphaSources) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in;
  const cv::Mat tile = read_image(shared + "/data/anime-illustrations/tadne-tiles/tile_16.jpg");
  cv::Mat gray;
  cv::cvtColor(tile, gray, cv::COLOR_BGR2GRAY);
  write_image(in / "gray.jpg", gray);  // a 1-channel JPEG
  cv::Mat rgba;
  cv::cvtColor(read_image(shared + "/data/anime-illustrations/miku_bg.png"), rgba,
               cv::COLOR_BGR2BGRA);
  rgba(cv::Rect(0, 0, 40, rgba.rows)).setTo(cv::Scalar(0, 0, 0, 0));  // transparent strip
  write_image(in / "alpha.png", rgba);
  {
    TempDir out;
    const CropSummary summary = run_crop(crop_config(shared, in.path(), out.path()));
    EXPECT_GE(summary.faces_written, 3);  // 2 girls in tile_16, Miku
    EXPECT_TRUE(summary.failed.empty());
    const cv::Mat crop = read_image(out / "gray-0.jpg", ReadMode::kUnchanged);
    EXPECT_EQ(crop.channels(), 3);
    const cv::Mat alpha_crop = read_image(out / "alpha-0.jpg");
    EXPECT_EQ(alpha_crop.size(), cv::Size(96, 96));
  }
  {
    TempDir out;
    CropConfig config = crop_config(shared, in.path(), out.path());
    config.skip_gray = true;
    const CropSummary summary = run_crop(config);
    EXPECT_EQ(summary.gray_images, 1);
    EXPECT_FALSE(fs::exists(out / "gray-0.jpg"));
    EXPECT_TRUE(fs::exists(out / "alpha-0.jpg"));
  }
}

TEST(CropPipeline, ThreadCountDoesNotChangeTheResult) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, one, three;
  copy_illustrations(
      shared, in.path(),
      {"tadne-tiles/tile_01.jpg", "tadne-tiles/tile_05.jpg", "tadne-tiles/tile_13.jpg",
       "tadne-tiles/tile_16.jpg", "miku_small.png", "miku_bg.png"});
  CropConfig config = crop_config(shared, in.path(), one.path());
  config.threads = 1;
  config.dedupe = "dhash:30";  // loose on purpose, so that dedupe order matters
  run_crop(config);
  config.out_dir = three.path();
  config.threads = 3;
  run_crop(config);
  EXPECT_EQ(dcgan::read_file(one / "manifest.jsonl"), dcgan::read_file(three / "manifest.jsonl"));
  EXPECT_EQ(files_under(one.path(), ".jpg"), files_under(three.path(), ".jpg"));
}

TEST(CropPipeline, ConfigValidationNamesFlags) {
  CropConfig c;
  EXPECT_THROW(c.validate(), dcgan::ConfigError);  // no --in
  c.in_dir = "a";
  c.out_dir = "b";
  c.validate();
  for (auto broken : std::vector<std::function<void(CropConfig&)>>{
           [](CropConfig& x) { x.format = "gif"; }, [](CropConfig& x) { x.quality = 0; },
           [](CropConfig& x) { x.dedupe = "md5"; }, [](CropConfig& x) { x.max_pixels = 0; },
           [](CropConfig& x) { x.geometry.margin = 5; }}) {
    CropConfig bad = c;
    broken(bad);
    EXPECT_THROW(bad.validate(), dcgan::ConfigError);
  }
}

TEST(CropPipeline, RestartsAfterATornManifestLine) {
  // A power cut or a full disk can leave the manifest's last line half-written; the next run
  // must append after whole lines only, so that the file stays readable for later runs.
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out;
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_01.jpg", "tadne-tiles/tile_02.jpg"});
  const CropConfig config = crop_config(shared, in.path(), out.path());
  EXPECT_EQ(run_crop(config).processed, 2);
  const std::string manifest = dcgan::read_file(out / "manifest.jsonl");
  // Cut the last source record in half: that source is done again.
  const size_t last_line = manifest.rfind('\n', manifest.size() - 2) + 1;
  dcgan::atomic_write(out / "manifest.jsonl",
                      manifest.substr(0, last_line + (manifest.size() - last_line) / 2));
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_05.jpg"});
  EXPECT_EQ(run_crop(config).processed, 2);  // the torn source and the new one
  const CropSummary third = run_crop(config);
  EXPECT_EQ(third.processed, 0);
  EXPECT_EQ(third.already_done, 3);
  std::vector<std::string> sources;  // the torn record is gone, its source recorded again
  for (const Json& r : manifest_records(out.path(), "source")) sources.push_back(r["source"]);
  EXPECT_EQ(sources, (std::vector<std::string>{"tadne-tiles/tile_01.jpg", "tadne-tiles/tile_02.jpg",
                                               "tadne-tiles/tile_05.jpg"}));
}

TEST(CropPipeline, AFaceWhoseRegionLeavesTheImageIsSkippedNotFatal) {
  // With --shift-up -1 (down by a box side) and no margin, the region of a box touching the
  // bottom edge lies wholly below the image (as --shift-up 1 does for one touching the top);
  // clamped, nothing is left to cut. That face is skipped with a reason; the run goes on.
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  const cv::Mat tile = read_image(shared + "/data/anime-illustrations/tadne-tiles/tile_01.jpg");
  const CropConfig probe_config = crop_config(shared, "", "");
  const CascadeModel model(probe_config.cascade);
  auto detector = model.make_detector(probe_config.detector);
  // Cut rows off the bottom until the detected face box ends on the last row.
  cv::Mat at_edge;
  for (int rows = 296; rows <= 306 && at_edge.empty(); ++rows) {
    const cv::Mat cut = tile(cv::Rect(0, 0, tile.cols, rows)).clone();
    for (const cv::Rect& box : detector->detect(cut)) {
      if (box.br().y == rows) at_edge = cut;
    }
  }
  ASSERT_FALSE(at_edge.empty()) << "no cut of tile_01 puts its face on the bottom edge";
  TempDir in, out;
  write_image(in / "a-edge.png", at_edge);
  copy_illustrations(shared, in.path(), {"tadne-tiles/tile_02.jpg"});
  CropConfig config = crop_config(shared, in.path(), out.path());
  config.geometry.shift_up = -1.0;
  const CropSummary summary = run_crop(config);
  EXPECT_EQ(summary.processed, 2);
  EXPECT_TRUE(summary.failed.empty());
  EXPECT_EQ(summary.dropped_empty_region, 1);
  EXPECT_EQ(summary.faces_written, summary.faces_found - 1);
  EXPECT_TRUE(fs::exists(out / "tadne-tiles/tile_02-0.jpg"));  // the batch went on
  int skipped = 0;
  for (const Json& face : manifest_records(out.path(), "face")) {
    if (face["source"] != "a-edge.png" || rect_of(face["box"]).br().y != at_edge.rows) continue;
    ++skipped;
    EXPECT_EQ(face["reason"], "empty_region");
    EXPECT_TRUE(face["output"].is_null());
    EXPECT_NE(face["detail"].get<std::string>().find("--shift-up"), std::string::npos);
  }
  EXPECT_EQ(skipped, 1);
  for (const Json& source : manifest_records(out.path(), "source")) {
    EXPECT_EQ(source["status"], "done") << source.dump();
  }
}
