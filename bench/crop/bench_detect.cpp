// bench_detect: the detector core alone, side by side on one thread: OpenCV's
// cv::CascadeClassifier::detectMultiScale and our LbpCascade, alternating per image on the same
// equalized gray images with the recipe's parameters (1.1, 5, min 48). Checks that the boxes are
// equal and prints one line: images=... opencv_s=... ours_s=... speedup=... boxes=...
// Usage: bench_detect CASCADE IMAGE... (repeats the set until 2 s have passed for each side)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <opencv2/objdetect.hpp>
#include <vector>

#include "dcgan/vision/face_detector.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/lbp_cascade.h"

namespace {

std::vector<cv::Rect> sorted(std::vector<cv::Rect> boxes) {
  dcgan::vision::sort_reading_order(boxes);
  return boxes;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_detect CASCADE IMAGE...\n");
    return 2;
  }
  cv::setNumThreads(1);
  try {
    cv::CascadeClassifier opencv(argv[1]);
    cv::FileStorage storage(argv[1], cv::FileStorage::READ);
    const auto ours = dcgan::vision::LbpCascade::from_node(storage.getFirstTopLevelNode());
    if (opencv.empty() || !ours) {
      std::fprintf(stderr, "bench_detect: %s is not an LBP cascade\n", argv[1]);
      return 2;
    }
    std::vector<cv::Mat> images;
    for (int i = 2; i < argc; ++i) {
      cv::Mat gray;
      dcgan::vision::equalized_gray(dcgan::vision::read_image(argv[i]), gray);
      images.push_back(gray);
    }
    const cv::Size min_size(48, 48);
    double opencv_s = 0, ours_s = 0;
    size_t boxes = 0, passes = 0;
    while (passes == 0 || std::min(opencv_s, ours_s) < 2.0) {
      for (const cv::Mat& gray : images) {
        std::vector<cv::Rect> expected;
        auto start = std::chrono::steady_clock::now();
        opencv.detectMultiScale(gray, expected, 1.1, 5, 0, min_size);
        opencv_s += seconds_since(start);
        start = std::chrono::steady_clock::now();
        const std::vector<cv::Rect> got = ours->detect(gray, 1.1, 5, min_size);
        ours_s += seconds_since(start);
        if (sorted(got) != sorted(expected)) {
          std::fprintf(stderr, "bench_detect: boxes differ from OpenCV's\n");
          return 1;
        }
        if (passes == 0) boxes += got.size();
      }
      ++passes;
    }
    std::printf("images=%zu passes=%zu opencv_s=%.3f ours_s=%.3f speedup=%.2f boxes=%zu\n",
                images.size(), passes, opencv_s, ours_s, opencv_s / ours_s, boxes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_detect: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
