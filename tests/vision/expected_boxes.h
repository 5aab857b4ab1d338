// Reads data/lbpcascade_expected_boxes.txt: the boxes OpenCV-Python gives on the shared test
// illustrations, one line per image ("path x,y,w,h ..."), '#' lines are comments.
#pragma once

#include <fstream>
#include <opencv2/core.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace dcgan::testing {

using ExpectedBoxes = std::vector<std::pair<std::string, std::vector<cv::Rect>>>;

inline ExpectedBoxes read_expected_boxes() {
  std::ifstream in(DCGAN_SOURCE_DIR "/tests/vision/data/lbpcascade_expected_boxes.txt");
  ExpectedBoxes result;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string source, box;
    words >> source;
    std::vector<cv::Rect> boxes;
    while (words >> box) {
      cv::Rect r;
      char comma;
      std::istringstream(box) >> r.x >> comma >> r.y >> comma >> r.width >> comma >> r.height;
      boxes.push_back(r);
    }
    result.emplace_back(source, boxes);
  }
  return result;
}

}  // namespace dcgan::testing
