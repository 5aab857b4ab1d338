// --dedupe on planted duplicates: a byte-identical copy, a JPEG re-encode and a slightly
// brighter copy of one illustration are dropped as duplicates of its first crop, a different
// illustration is kept; later runs dedupe against earlier crops through the manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "crop_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/vision/crop_pipeline.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::Json;
using dcgan::testing::crop_config;
using dcgan::testing::manifest_records;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void plant_duplicates(const std::string& shared, const std::string& dir) {
  const std::string tiles = shared + "/data/anime-illustrations/tadne-tiles/";
  const std::string original = dcgan::read_file(tiles + "tile_01.jpg");
  dcgan::atomic_write(dir + "/a.jpg", original);
  dcgan::atomic_write(dir + "/b-exact.jpg", original);
  const cv::Mat image = read_image(tiles + "tile_01.jpg");
  write_image(dir + "/c-reencoded.jpg", image, 70);
  cv::Mat brighter;
  image.convertTo(brighter, -1, 1.0, 6);
  write_image(dir + "/d-brighter.png", brighter);
  dcgan::atomic_write(dir + "/e-other.jpg", dcgan::read_file(tiles + "tile_02.jpg"));
}

}  // namespace

TEST(CropDedupe, PlantedExactAndNearDuplicatesAreDropped) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, kept_all, deduped;
  plant_duplicates(shared, in.path());
  EXPECT_EQ(run_crop(crop_config(shared, in.path(), kept_all.path())).faces_written, 5);

  CropConfig config = crop_config(shared, in.path(), deduped.path());
  config.dedupe = "dhash:4";
  const CropSummary summary = run_crop(config);
  EXPECT_EQ(summary.faces_written, 2);
  EXPECT_EQ(summary.dropped_duplicate, 3);
  EXPECT_TRUE(fs::exists(deduped / "a-0.jpg"));
  EXPECT_TRUE(fs::exists(deduped / "e-other-0.jpg"));
  for (const Json& face : manifest_records(deduped.path(), "face")) {
    const std::string source = face["source"];
    if (source == "a.jpg" || source == "e-other.jpg") {
      EXPECT_FALSE(face.contains("reason")) << source;
    } else {
      EXPECT_EQ(face["reason"], "duplicate") << source;
      EXPECT_NE(face["detail"].get<std::string>().find("a-0.jpg"), std::string::npos);
    }
  }

  // A later run compares with the crops recorded in the manifest.
  dcgan::atomic_write(in / "f-later-copy.jpg", dcgan::read_file(in / "a.jpg"));
  const CropSummary later = run_crop(config);
  EXPECT_EQ(later.processed, 1);
  EXPECT_EQ(later.dropped_duplicate, 1);
  EXPECT_FALSE(fs::exists(deduped / "f-later-copy-0.jpg"));
}

TEST(CropDedupe, ExactOnlyKeepsNearDuplicates) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out;
  plant_duplicates(shared, in.path());
  CropConfig config = crop_config(shared, in.path(), out.path());
  config.dedupe = "dhash:0";
  const CropSummary summary = run_crop(config);
  EXPECT_GE(summary.dropped_duplicate, 1);  // the byte-identical copy at least
  EXPECT_FALSE(fs::exists(out / "b-exact-0.jpg"));
  EXPECT_LE(summary.dropped_duplicate, 3);
}
