// `dcgan prepare` on real face crops with planted problems: an exact copy and a re-encode are
// dropped as duplicates, a gray version with --skip-gray, an unreadable file is listed; the kept
// ones are resized and listed in prepare.json; a re-run removes files it no longer keeps, but
// never a file outside --out; inputs that flatten to one name get distinct outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <set>

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

namespace {

// A w x w image of one colour.
void write_plain(const std::string& path, cv::Scalar bgr, int side = 40) {
  fs::create_directories(fs::path(path).parent_path());
  write_image(path, cv::Mat(side, side, CV_8UC3, bgr));
}

std::vector<std::string> images_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() != "prepare.json") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(Prepare, StaleNamesThatLeaveTheOutputFolderAreNotDeleted) {
  TempDir crops, root;
  write_plain(crops / "a.png", {10, 20, 200});
  const std::string set = root / "set";
  fs::create_directories(set + "/sub");
  // Files a tampered or foreign prepare.json could name: outside the folder, reached by an
  // absolute name or by "..", and one inside a subfolder (prepare only writes flat names).
  for (const char* victim : {"outside.png", "outside-abs.png", "set/sub/nested.png"}) {
    dcgan::atomic_write(root / victim, "keep me");
  }
  dcgan::atomic_write(set + "/old.png", "stale output of an earlier run");
  dcgan::write_json_file(set + "/prepare.json",
                         Json{{"files",
                               {"../outside.png", root / "outside-abs.png", "sub/../../outside.png",
                                "sub/nested.png", "old.png", "a.png"}}});
  PrepareConfig config;
  config.in_dir = crops.path();
  config.out_dir = set;
  config.size = 16;
  config.threads = 1;
  EXPECT_EQ(run_prepare(config).kept, 1);
  EXPECT_TRUE(fs::exists(root / "outside.png"));
  EXPECT_TRUE(fs::exists(root / "outside-abs.png"));
  EXPECT_TRUE(fs::exists(set + "/sub/nested.png"));
  EXPECT_FALSE(fs::exists(set + "/old.png"));  // a plain stale name is still removed
  EXPECT_TRUE(fs::exists(set + "/a.png"));
}

// A prepare killed while writing leaves IMAGE.tmp-PID-N, which the next run removes.
TEST(Prepare, ARunRemovesTheUnfinishedImagesOfAKilledOne) {
  TempDir crops, set;
  write_plain(crops / "a.png", {10, 20, 200});
  const std::string unfinished =
      set / ("a.png.tmp-" + std::to_string(dcgan::testing::dead_pid()) + "-0");
  dcgan::atomic_write(unfinished, "half a PNG");
  PrepareConfig config;
  config.in_dir = crops.path();
  config.out_dir = set.path();
  config.size = 16;
  config.threads = 1;
  EXPECT_EQ(run_prepare(config).kept, 1);
  EXPECT_FALSE(fs::exists(unfinished));
  EXPECT_TRUE(fs::exists(set / "a.png"));
}

TEST(Prepare, InputsThatFlattenToOneNameGetDistinctOutputs) {
  // a.jpg and a.png both become a.png; x__y/z.png and x/y__z.png both become x__y__z.png.
  TempDir crops;
  const std::vector<std::pair<std::string, cv::Scalar>> inputs = {
      {"a.jpg", {200, 0, 0}},        {"a.png", {0, 200, 0}},     {"x__y/z.png", {0, 0, 200}},
      {"x/y__z.png", {200, 200, 0}}, {"a-2.png", {0, 200, 200}}, {"b.png", {90, 90, 90}}};
  for (const auto& [name, colour] : inputs) write_plain(crops / name, colour);
  std::vector<std::string> first_names;
  for (int threads : {1, 3}) {
    TempDir set;
    PrepareConfig config;
    config.in_dir = crops.path();
    config.out_dir = set.path();
    config.size = 16;
    config.dedupe = "off";
    config.threads = threads;
    const PrepareSummary summary = run_prepare(config);
    EXPECT_EQ(summary.kept, 6) << threads << " threads";
    const std::vector<std::string> names = images_in(set.path());
    EXPECT_EQ(names.size(), 6u) << threads << " threads";
    const Json marker = dcgan::read_json_file(set / "prepare.json");
    std::vector<std::string> listed = marker["files"].get<std::vector<std::string>>();
    EXPECT_EQ(marker["kept"], 6);
    // Each output holds its own input's colour (no two inputs raced for one file).
    std::set<std::string> colours;
    for (const std::string& name : listed) {
      const cv::Vec3b pixel = read_image(set / name).at<cv::Vec3b>(8, 8);
      colours.insert(std::to_string(pixel[0] / 10) + "," + std::to_string(pixel[1] / 10) + "," +
                     std::to_string(pixel[2] / 10));
    }
    EXPECT_EQ(colours.size(), 6u) << threads << " threads";
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, names);
    // The first input of a clashing group (in sorted order) keeps the plain name.
    EXPECT_LE(cv::norm(read_image(set / "a.png").at<cv::Vec3b>(8, 8), cv::Vec3b(200, 0, 0)), 6);
    EXPECT_EQ(read_image(set / "a-2.png").at<cv::Vec3b>(8, 8), cv::Vec3b(0, 200, 200));
    if (first_names.empty()) first_names = names;
    EXPECT_EQ(names, first_names) << "names depend on the thread count";
  }
}
