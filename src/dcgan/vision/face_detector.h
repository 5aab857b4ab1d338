// Face detection behind a small interface, so another detector (an ONNX model through cv::dnn)
// can replace the cascade later. The cascade detector reproduces the recipe exactly: BGR ->
// gray (cvtColor), equalizeHist, detectMultiScale(scale, neighbours, flags 0, min size), giving
// the boxes OpenCV-Python gives for the same image. It does not crop or filter boxes. LBP
// cascades are evaluated by LbpCascade (the same boxes, faster), others by OpenCV.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>
#include <string>
#include <vector>

#include "dcgan/vision/lbp_cascade.h"

namespace dcgan::vision {

struct FaceDetectorConfig {
  double scale_factor = 1.1;  // --scale-factor: pyramid step between window sizes
  int min_neighbors = 5;      // --min-neighbors: overlapping hits needed to keep a box
  int min_size = 48;          // --min-size: smallest box side searched, pixels

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
};

// The detector's input as the recipe makes it: 8-bit gray (cvtColor from BGR), then
// equalizeHist. `gray` is reused between calls.
void equalized_gray(const cv::Mat& image, cv::Mat& gray);

// Sorts boxes into reading order: top to bottom, then left to right, then by size.
void sort_reading_order(std::vector<cv::Rect>& boxes);

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Boxes in `image` (8-bit BGR or gray), in reading order: top to bottom, then left to
  // right. Not thread-safe: use one detector per thread.
  virtual std::vector<cv::Rect> detect(const cv::Mat& image) = 0;
};

// The cascade's XML text, read and checked once, from which each worker thread makes its own
// detector (cv::CascadeClassifier keeps per-call state and cannot be shared between threads).
class CascadeModel {
 public:
  // Reads and parses `path`; throws IoError (unreadable) or DataError (not an OpenCV cascade).
  explicit CascadeModel(const std::string& path);
  const std::string& path() const { return path_; }
  // True where detection runs on LbpCascade rather than cv::CascadeClassifier.
  bool uses_fast_evaluator() const { return lbp_ != nullptr; }
  std::unique_ptr<FaceDetector> make_detector(const FaceDetectorConfig& config) const;

 private:
  std::string path_;
  std::string xml_;
  std::shared_ptr<const LbpCascade> lbp_;  // immutable, shared by every worker's detector
};

}  // namespace dcgan::vision
