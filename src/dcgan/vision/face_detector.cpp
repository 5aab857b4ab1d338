// The cascade face detector; see face_detector.h.
#include "dcgan/vision/face_detector.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <tuple>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"

namespace dcgan::vision {
namespace {

// Opens the cascade text and hands its top-level node to `use`; OpenCV's parse errors become a
// DataError naming the file.
template <class Use>
void with_cascade_root(const std::string& xml, const std::string& path, Use use) {
  try {
    cv::FileStorage storage(xml, cv::FileStorage::READ | cv::FileStorage::MEMORY);
    if (storage.isOpened()) use(storage.getFirstTopLevelNode());
  } catch (const cv::Exception& e) {
    throw DataError(path + " is not an OpenCV cascade file: " + e.what());
  }
}

cv::CascadeClassifier parse_cascade(const std::string& xml, const std::string& path) {
  cv::CascadeClassifier classifier;
  with_cascade_root(xml, path, [&classifier](const cv::FileNode& root) { classifier.read(root); });
  if (classifier.empty()) {
    throw DataError(path + " is not an OpenCV cascade file (expected lbpcascade_animeface.xml)");
  }
  return classifier;
}

class CascadeFaceDetector : public FaceDetector {
 public:
  CascadeFaceDetector(std::shared_ptr<const LbpCascade> lbp, cv::CascadeClassifier classifier,
                      const FaceDetectorConfig& config)
      : lbp_(std::move(lbp)), classifier_(std::move(classifier)), config_(config) {}

  std::vector<cv::Rect> detect(const cv::Mat& image) override {
    equalized_gray(image, gray_);
    std::vector<cv::Rect> faces;
    const cv::Size min_size(config_.min_size, config_.min_size);
    if (lbp_) {
      faces = lbp_->detect(gray_, config_.scale_factor, config_.min_neighbors, min_size);
    } else {
      classifier_.detectMultiScale(gray_, faces, config_.scale_factor, config_.min_neighbors, 0,
                                   min_size);
    }
    // OpenCV's order depends on how its thread pool split the work (tile_16 of the test set
    // comes out in opposite orders with 1 and 2 threads); reading order makes <stem>-<i>
    // reproducible. It is also the order OpenCV-Python gave on the whole test set.
    sort_reading_order(faces);
    return faces;
  }

 private:
  std::shared_ptr<const LbpCascade> lbp_;  // the fast evaluator, where it supports the cascade
  cv::CascadeClassifier classifier_;       // otherwise OpenCV's
  FaceDetectorConfig config_;
  cv::Mat gray_;  // reused between calls
};

}  // namespace

void equalized_gray(const cv::Mat& image, cv::Mat& gray) {
  if (image.channels() == 3) {
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  } else {
    image.copyTo(gray);
  }
  cv::equalizeHist(gray, gray);
}

void sort_reading_order(std::vector<cv::Rect>& boxes) {
  std::sort(boxes.begin(), boxes.end(), [](const cv::Rect& a, const cv::Rect& b) {
    return std::tie(a.y, a.x, a.width, a.height) < std::tie(b.y, b.x, b.width, b.height);
  });
}

void FaceDetectorConfig::validate() const {
  require(scale_factor > 1.0 && scale_factor <= 4.0,
          "--scale-factor must be above 1 and at most 4 (got " + std::to_string(scale_factor) +
              "); 1.1 is the recipe's value, smaller finds more faces but is slower");
  require(min_neighbors >= 0 && min_neighbors <= 100,
          "--min-neighbors must be between 0 and 100 (got " + std::to_string(min_neighbors) +
              "); 5 is the recipe's value, higher gives fewer false positives");
  require(min_size >= 1 && min_size <= 100000,
          "--min-size must be a positive number of pixels (got " + std::to_string(min_size) + ")");
}

std::string FaceDetectorConfig::to_string() const {
  std::ostringstream out;
  out << "FaceDetectorConfig(scale_factor=" << scale_factor << ", min_neighbors=" << min_neighbors
      << ", min_size=" << min_size << ")";
  return out.str();
}

CascadeModel::CascadeModel(const std::string& path) : path_(path), xml_(read_file(path)) {
  with_cascade_root(xml_, path_, [this](const cv::FileNode& root) {
    if (auto lbp = LbpCascade::from_node(root)) {
      lbp_ = std::make_shared<const LbpCascade>(std::move(*lbp));
    }
  });
  // Any other cascade is checked by OpenCV here, once, rather than in every worker.
  if (!lbp_) parse_cascade(xml_, path_);
}

std::unique_ptr<FaceDetector> CascadeModel::make_detector(const FaceDetectorConfig& config) const {
  // The OpenCV classifier is only needed where the fast evaluator cannot run the cascade.
  return std::make_unique<CascadeFaceDetector>(
      lbp_, lbp_ ? cv::CascadeClassifier() : parse_cascade(xml_, path_), config);
}

}  // namespace dcgan::vision
