// LbpCascade against cv::CascadeClassifier::detectMultiScale: the same boxes for a range of
// parameters (scale steps, neighbour counts, minimum sizes that use OpenCV's step-2 scan), on
// images made here and on the shared illustrations, with the anime cascade and with OpenCV's own
// LBP cascades; the one-window-at-a-time path gives the same boxes as the vector path.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/objdetect.hpp>
#include <random>

#include "dcgan/vision/face_detector.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/lbp_cascade.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"

using namespace dcgan::vision;
namespace fs = std::filesystem;

namespace {

struct Params {
  double scale_factor;
  int min_neighbors;
  int min_size;
};

// The recipe's call first; then raw candidates (no grouping), scales below 2 (step-2 scan),
// a coarse pyramid, a large minimum and a minimum below the window.
const Params kParams[] = {{1.1, 5, 48}, {1.1, 0, 48},  {1.05, 3, 24},
                          {1.3, 2, 30}, {1.2, 1, 100}, {2.5, 0, 1}};

const char* kOpenCvLbpCascades = "/usr/share/opencv4/lbpcascades";

std::vector<cv::Rect> sorted(std::vector<cv::Rect> boxes) {
  sort_reading_order(boxes);
  return boxes;
}

LbpCascade load_lbp(const std::string& path) {
  cv::FileStorage storage(path, cv::FileStorage::READ);
  auto cascade = LbpCascade::from_node(storage.getFirstTopLevelNode());
  if (!cascade) throw std::runtime_error(path + " is not supported by LbpCascade");
  return *cascade;
}

cv::Mat detector_input(const cv::Mat& bgr) {
  cv::Mat gray;
  equalized_gray(bgr, gray);
  return gray;
}

// Images made here: synthetic faces pasted at several sizes on a noisy gradient, plain noise,
// a non-square strip, and sizes at and just above the window.
std::vector<cv::Mat> made_images() {
  std::mt19937 rng(7);
  std::vector<cv::Mat> images;
  cv::Mat canvas(360, 520, CV_8UC3);
  for (int y = 0; y < canvas.rows; ++y) {
    for (int x = 0; x < canvas.cols; ++x) {
      canvas.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>((x + rng() % 40) % 256),
                                             static_cast<uint8_t>((y + rng() % 40) % 256),
                                             static_cast<uint8_t>(rng() % 256));
    }
  }
  int x = 5;
  for (int size : {60, 90, 130, 170}) {
    cv::Mat face = draw_synth_face(3, size, size);
    face.copyTo(canvas(cv::Rect(x, 20 + size / 3, size, size)));
    x += size + 10;
  }
  images.push_back(detector_input(canvas));
  cv::Mat noise(200, 300, CV_8UC1);
  cv::randu(noise, 0, 256);
  images.push_back(noise);
  images.push_back(detector_input(canvas(cv::Rect(0, 100, 520, 70)).clone()));
  images.push_back(noise(cv::Rect(0, 0, 24, 24)).clone());
  images.push_back(noise(cv::Rect(0, 0, 25, 31)).clone());
  images.push_back(noise(cv::Rect(0, 0, 23, 80)).clone());  // narrower than the window
  return images;
}

// Compares both paths of LbpCascade with OpenCV on every image and parameter set; returns how
// many boxes OpenCV gave in all, so a caller can check the comparison had something to compare.
size_t expect_same_boxes(const std::string& cascade_path, const std::vector<cv::Mat>& images,
                         const std::vector<Params>& params) {
  cv::CascadeClassifier opencv(cascade_path);
  const LbpCascade ours = load_lbp(cascade_path);
  size_t total = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    for (const Params& p : params) {
      const cv::Size min_size(p.min_size, p.min_size);
      std::vector<cv::Rect> expected;
      opencv.detectMultiScale(images[i], expected, p.scale_factor, p.min_neighbors, 0, min_size);
      expected = sorted(expected);
      const std::string what = fs::path(cascade_path).filename().string() + ", image " +
                               std::to_string(i) + ", scale " + std::to_string(p.scale_factor) +
                               ", neighbours " + std::to_string(p.min_neighbors) + ", min " +
                               std::to_string(p.min_size);
      EXPECT_EQ(sorted(ours.detect(images[i], p.scale_factor, p.min_neighbors, min_size)), expected)
          << what;
      EXPECT_EQ(sorted(ours.detect(images[i], p.scale_factor, p.min_neighbors, min_size, false)),
                expected)
          << what << ", one window at a time";
      total += expected.size();
    }
  }
  return total;
}

std::vector<Params> all_params() { return {std::begin(kParams), std::end(kParams)}; }

}  // namespace

TEST(LbpCascade, SameBoxesAsOpenCvOnTheTestIllustrations) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  const std::string cascade = shared + "/models/lbpcascade_animeface.xml";
  const std::string dir = shared + "/data/anime-illustrations/";
  std::vector<cv::Mat> images;
  for (const char* name : {"miku_CC_BY-NC.jpg", "miku_bg.png", "miku_small.png"}) {
    images.push_back(detector_input(read_image(dir + name)));
  }
  std::vector<fs::path> tiles;
  for (const auto& entry : fs::directory_iterator(dir + "tadne-tiles"))
    tiles.push_back(entry.path());
  std::sort(tiles.begin(), tiles.end());
  for (size_t t = 0; t < tiles.size(); t += 5)
    images.push_back(detector_input(read_image(tiles[t])));
  EXPECT_GT(expect_same_boxes(cascade, images, all_params()), 100u);
  // The 3072 px grid of 64 faces with the recipe's parameters only (the sweep would take long).
  const std::vector<cv::Mat> grid = {detector_input(read_image(dir + "tadne-grid-3072.jpg"))};
  EXPECT_GT(expect_same_boxes(cascade, grid, {kParams[0]}), 20u);
}

TEST(LbpCascade, SameBoxesAsOpenCvOnImagesMadeHere) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  EXPECT_GT(
      expect_same_boxes(shared + "/models/lbpcascade_animeface.xml", made_images(), all_params()),
      0u);
}

TEST(LbpCascade, SameBoxesAsOpenCvWithOpenCvsOwnLbpCascades) {
  DCGAN_INSTALLED_OR_SKIP(kOpenCvLbpCascades, "opencv-data");
  std::vector<cv::Mat> images = made_images();
  if (auto shared = dcgan::testing::shared_dir()) {
    images.push_back(
        detector_input(read_image(*shared + "/data/anime-illustrations/miku_CC_BY-NC.jpg")));
  }
  size_t total = 0, cascades = 0;
  for (const auto& entry : fs::directory_iterator(kOpenCvLbpCascades)) {
    // Raw candidates (no grouping), at the recipe's scales and from the smallest window up.
    total += expect_same_boxes(entry.path().string(), images, {kParams[1], kParams[5]});
    ++cascades;
  }
  EXPECT_GE(cascades, 3u);
  EXPECT_GT(total, 0u);
}

TEST(LbpCascade, HaarCascadesAreLeftToOpenCv) {
  const std::string haar = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
  DCGAN_INSTALLED_OR_SKIP(haar, "opencv-data");
  cv::FileStorage storage(haar, cv::FileStorage::READ);
  EXPECT_FALSE(LbpCascade::from_node(storage.getFirstTopLevelNode()).has_value());
  // The detector still works on it, through cv::CascadeClassifier.
  CascadeModel model(haar);
  EXPECT_FALSE(model.uses_fast_evaluator());
  cv::Mat image(120, 160, CV_8UC3, cv::Scalar(90, 120, 150));
  EXPECT_NO_THROW(model.make_detector(FaceDetectorConfig{})->detect(image));
}

TEST(LbpCascade, TheAnimeCascadeRunsOnTheFastEvaluator) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  EXPECT_TRUE(CascadeModel(shared + "/models/lbpcascade_animeface.xml").uses_fast_evaluator());
}
