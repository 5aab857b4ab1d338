// Round trip on real faces: 200 crops of $DCGAN_SHARED/data/anime-faces (64x64), padded with a
// 16 px white border (the cascade needs context around a face), are found again by dcgan's
// cropper, each box on the face.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/core.hpp>

#include "crop_test_support.h"
#include "dcgan/vision/crop_pipeline.h"
#include "dcgan/vision/image_io.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::Json;
using dcgan::testing::crop_config;
using dcgan::testing::manifest_records;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

TEST(CropRoundTrip, PaddedFacesAreFoundAgain) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  std::vector<std::string> faces;
  for (const auto& e : fs::directory_iterator(shared + "/data/anime-faces")) {
    if (e.path().extension() == ".jpg") faces.push_back(e.path().string());
  }
  std::sort(faces.begin(), faces.end());
  ASSERT_GE(faces.size(), 200u);
  faces.resize(200);
  TempDir in, out;
  constexpr int kBorder = 16;
  for (size_t i = 0; i < faces.size(); ++i) {
    cv::Mat padded;
    cv::copyMakeBorder(read_image(faces[i]), padded, kBorder, kBorder, kBorder, kBorder,
                       cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
    write_image(in / (fs::path(faces[i]).stem().string() + ".png"), padded);
  }
  CropConfig config = crop_config(shared, in.path(), out.path());
  config.detector.min_size = 32;  // the faces are 64 px; the recipe's 48 would be too tight
  config.geometry.size = 64;
  const CropSummary summary = run_crop(config);
  EXPECT_EQ(summary.processed, 200);
  EXPECT_GE(summary.with_faces, 190) << summary.to_string();  // measured: 99 % at this setting
  const cv::Rect face_area(kBorder, kBorder, 64, 64);
  int on_face = 0, boxes = 0;
  for (const Json& f : manifest_records(out.path(), "face")) {
    const cv::Rect box(f["box"][0], f["box"][1], f["box"][2], f["box"][3]);
    ++boxes;
    on_face += (box & face_area).area() >= 0.5 * box.area();
  }
  EXPECT_GE(on_face, boxes * 95 / 100);
}
