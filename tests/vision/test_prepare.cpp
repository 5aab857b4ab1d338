// `dcgan prepare` on real face crops with planted problems: an exact copy and a re-encode are
// dropped as duplicates, a gray version with --skip-gray, an unreadable file is listed; the kept
// ones are resized and listed in prepare.json; a re-run removes files it no longer keeps.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/json.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/prepare.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::Json;
using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// 30 real faces as f-1NN.jpg, plus planted problems under sub/.
void make_crops(const std::string& shared, const std::string& dir) {
  std::vector<std::string> faces;
  for (const auto& e : fs::directory_iterator(shared + "/data/anime-faces")) {
    if (e.path().extension() == ".jpg") faces.push_back(e.path().string());
  }
  std::sort(faces.begin(), faces.end());
  fs::create_directories(dir + "/sub");
  for (int i = 0; i < 30; ++i) {
    dcgan::atomic_write(dir + "/f-" + std::to_string(100 + i) + ".jpg", dcgan::read_file(faces[i]));
  }
  const cv::Mat first = read_image(faces[0]);
  dcgan::atomic_write(dir + "/sub/exact-copy.jpg", dcgan::read_file(faces[0]));
  write_image(dir + "/sub/reencoded.jpg", first, 60);
  cv::Mat gray;
  cv::cvtColor(read_image(faces[1]), gray, cv::COLOR_BGR2GRAY);
  write_image(dir + "/sub/gray.png", gray);
  std::ofstream(dir + "/sub/broken.jpg") << "not an image";
  cv::Mat wide;
  cv::hconcat(read_image(faces[2]), read_image(faces[3]), wide);  // 128x64, cut to its centre
  write_image(dir + "/sub/wide.png", wide);
}

std::map<std::string, std::string> reasons(const PrepareSummary& s) {
  std::map<std::string, std::string> r;
  for (const auto& d : s.dropped) r[d.file] = d.reason;
  return r;
}

}  // namespace

TEST(Prepare, DropsPlantedProblemsAndResizesTheRest) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir crops, set;
  make_crops(shared, crops.path());
  PrepareConfig config;
  config.in_dir = crops.path();
  config.out_dir = set.path();
  config.size = 32;
  config.skip_gray = true;
  config.threads = 2;
  const PrepareSummary summary = run_prepare(config);
  EXPECT_EQ(summary.inputs, 35);
  auto why = reasons(summary);
  EXPECT_EQ(why["sub/exact-copy.jpg"], "duplicate");
  EXPECT_EQ(why["sub/reencoded.jpg"], "duplicate");
  EXPECT_EQ(why["sub/gray.png"], "gray");
  EXPECT_EQ(why["sub/broken.jpg"], "unreadable");
  EXPECT_EQ(why.count("sub/wide.png"), 0u);
  EXPECT_EQ(summary.kept + static_cast<int64_t>(summary.dropped.size()), 35);
  EXPECT_GE(summary.kept, 28);
  const cv::Mat wide = read_image(set / "sub__wide.png");
  EXPECT_EQ(wide.size(), cv::Size(32, 32));
  const Json marker = dcgan::read_json_file(set / "prepare.json");
  EXPECT_EQ(marker["kept"], summary.kept);
  EXPECT_EQ(marker["files"].size(), static_cast<size_t>(summary.kept));
  EXPECT_EQ(marker["dropped_by_reason"]["duplicate"], 2);
  for (const auto& f : marker["files"]) EXPECT_TRUE(fs::exists(set / f.get<std::string>()));

  // Without dedupe the set gains the two duplicates; dedupe again removes their files.
  config.dedupe = "off";
  EXPECT_EQ(run_prepare(config).kept, summary.kept + 2);
  EXPECT_TRUE(fs::exists(set / "sub__exact-copy.png"));
  config.dedupe = "dhash:2";
  EXPECT_EQ(run_prepare(config).kept, summary.kept);
  EXPECT_FALSE(fs::exists(set / "sub__exact-copy.png"));
  EXPECT_FALSE(fs::exists(set / "sub__reencoded.png"));
}

TEST(Prepare, CommandReportsUnreadableWithExitCode6) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir crops, set;
  make_crops(shared, crops.path());
  auto result = run_dcgan("prepare --in " + crops.path() + " --out " + set.path() +
                          " --size 48 --format jpg --threads 2");
  EXPECT_EQ(result.exit_code, 6) << result.output;
  EXPECT_NE(result.output.find("broken.jpg"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("duplicate"), std::string::npos) << result.output;
  EXPECT_EQ(read_image(set / "f-100.jpg").size(), cv::Size(48, 48));
  result = run_dcgan("prepare --in " + crops.path() + " --out " + set.path() + " --size 2");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--size"), std::string::npos) << result.output;
}
