// Bad inputs through the real `dcgan crop` command: an empty file, a truncated JPEG, a text
// file named .jpg, a 1x1 image and an image over --max-pixels are reported and counted, the
// batch goes on (the good image is cropped) and the exit code is 6.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "crop_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::Json;
using dcgan::testing::manifest_records;
using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

TEST(CropBadInputs, ReportedCountedAndTheBatchGoesOn) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out;
  const std::string tile =
      dcgan::read_file(shared + "/data/anime-illustrations/tadne-tiles/tile_05.jpg");
  dcgan::atomic_write(in / "good.jpg", tile);
  dcgan::atomic_write(in / "truncated.jpg", tile.substr(0, tile.size() / 2));
  std::ofstream(in / "empty.jpg").close();
  std::ofstream(in / "text.jpg") << "<html><body>403 Forbidden</body></html>\n";
  write_image(in / "tiny.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
  write_image(in / "huge.png", cv::Mat(1500, 1500, CV_8UC3, cv::Scalar(9, 9, 9)));
  const std::string args = "crop --in " + in.path() + " --out " + out.path() + " --cascade " +
                           shared + "/models/lbpcascade_animeface.xml";
  auto result = run_dcgan(args + " --max-pixels 2000000");
  EXPECT_EQ(result.exit_code, 6) << result.output;
  for (const char* name : {"truncated.jpg", "empty.jpg", "text.jpg", "huge.png"}) {
    EXPECT_NE(result.output.find(name), std::string::npos) << name << "\n" << result.output;
  }
  EXPECT_NE(result.output.find("--max-pixels"), std::string::npos) << result.output;
  EXPECT_TRUE(fs::exists(out / "good-0.jpg"));
  EXPECT_TRUE(fs::exists(out / "good-1.jpg"));
  std::map<std::string, std::string> status;
  for (const Json& r : manifest_records(out.path(), "source")) status[r["source"]] = r["status"];
  EXPECT_EQ(status["good.jpg"], "done");
  EXPECT_EQ(status["tiny.png"], "small");
  for (const char* name : {"truncated.jpg", "empty.jpg", "text.jpg", "huge.png"}) {
    EXPECT_EQ(status[name], "failed") << name;
  }
  // Failed sources are retried by a re-run, finished ones are not.
  result = run_dcgan(args + " --max-pixels 3000000");
  EXPECT_EQ(result.exit_code, 6) << result.output;
  EXPECT_NE(result.output.find("4 processed"), std::string::npos) << result.output;
  status.clear();
  for (const Json& r : manifest_records(out.path(), "source")) status[r["source"]] = r["status"];
  EXPECT_EQ(status["huge.png"], "done");  // accepted under the higher limit
}

TEST(CropBadInputs, MissingCascadeListsThePlacesTried) {
  TempDir in, out;
  auto result = run_dcgan("crop --in " + in.path() + " --out " + out.path() + " --cascade " +
                          in.path() + "/none.xml");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("none.xml"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("raw.githubusercontent.com"), std::string::npos) << result.output;
}
