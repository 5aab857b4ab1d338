// The cascade detector against OpenCV-Python: on the 36 TADNE tiles and the 3 Miku pictures,
// with the recipe's parameters, the boxes equal those in data/lbpcascade_expected_boxes.txt
// (recorded with cv2, the call peer_crop.py makes): 38 faces, no false positive.
#include <gtest/gtest.h>

#include <fstream>

#include "dcgan/core/error.h"
#include "dcgan/vision/face_detector.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/worker_pool.h"
#include "expected_boxes.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

TEST(FaceDetector, BoxesEqualOpenCvPythonOnTheTestIllustrations) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  const auto expected = dcgan::testing::read_expected_boxes();
  ASSERT_EQ(expected.size(), 39u);
  CascadeModel model(shared + "/models/lbpcascade_animeface.xml");
  auto detector = model.make_detector(FaceDetectorConfig{});
  size_t faces = 0;
  for (const auto& [source, boxes] : expected) {
    const cv::Mat image = read_image(shared + "/data/anime-illustrations/" + source);
    EXPECT_EQ(detector->detect(image), boxes) << source;
    faces += boxes.size();
  }
  EXPECT_EQ(faces, 38u);
}

TEST(FaceDetector, GrayInputGivesTheSameBoxes) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  CascadeModel model(shared + "/models/lbpcascade_animeface.xml");
  auto detector = model.make_detector(FaceDetectorConfig{});
  const std::string tile = shared + "/data/anime-illustrations/tadne-tiles/tile_16.jpg";
  EXPECT_EQ(detector->detect(read_image(tile, ReadMode::kGray)),
            detector->detect(read_image(tile)));
}

TEST(FaceDetector, ReadingOrderWhateverOpenCvsThreadCount) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  CascadeModel model(shared + "/models/lbpcascade_animeface.xml");
  auto detector = model.make_detector(FaceDetectorConfig{});
  // OpenCV returns tile_16's two faces in opposite orders with 1 and with 2 threads.
  const cv::Mat image = read_image(shared + "/data/anime-illustrations/tadne-tiles/tile_16.jpg");
  const std::vector<cv::Rect> expected = {{109, 74, 183, 183}, {312, 95, 166, 166}};
  for (int threads : {1, 2, 4}) {
    ScopedOpenCvThreads scoped(threads);
    EXPECT_EQ(detector->detect(image), expected) << threads << " OpenCV threads";
  }
}

TEST(FaceDetector, NotACascadeFileIsADataErrorNamingIt) {
  TempDir tmp;
  std::ofstream(tmp / "fake.xml") << "<?xml version=\"1.0\"?><opencv_storage></opencv_storage>";
  try {
    CascadeModel model(tmp / "fake.xml");
    FAIL();
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("fake.xml"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CascadeModel(tmp / "missing.xml"), dcgan::IoError);
}

TEST(FaceDetector, ConfigValidationNamesTheFlag) {
  FaceDetectorConfig c;
  c.validate();
  c.scale_factor = 1.0;
  try {
    c.validate();
    FAIL();
  } catch (const dcgan::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--scale-factor"), std::string::npos);
  }
  c = FaceDetectorConfig();
  c.min_neighbors = -1;
  EXPECT_THROW(c.validate(), dcgan::ConfigError);
  c = FaceDetectorConfig();
  c.min_size = 0;
  EXPECT_THROW(c.validate(), dcgan::ConfigError);
}
