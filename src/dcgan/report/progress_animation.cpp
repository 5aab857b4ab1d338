// Progression GIF; see progress_animation.h.
#include "dcgan/report/progress_animation.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/report/run_data.h"
#include "dcgan/vision/gif_writer.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::report {
namespace {

constexpr int kCaptionHeight = 24;

cv::Size frame_size(cv::Size grid, const AnimationConfig& config) {
  const int side = std::max(grid.width, grid.height);
  double scale = 1.0;
  if (side > config.max_side) {
    scale = double(config.max_side) / side;
  } else if (side < config.min_side) {
    scale = (config.min_side + side - 1) / side;  // a whole factor keeps pixels square
  }
  return {std::max(1, int(grid.width * scale)), std::max(1, int(grid.height * scale))};
}

cv::Mat captioned(const cv::Mat& grid, cv::Size size, const std::string& caption) {
  cv::Mat scaled;
  const bool enlarge = size.width > grid.cols;
  cv::resize(grid, scaled, size, 0, 0, enlarge ? cv::INTER_NEAREST : cv::INTER_AREA);
  cv::Mat frame(size.height + kCaptionHeight, size.width, CV_8UC3, cv::Scalar::all(255));
  scaled.copyTo(frame(cv::Rect(0, 0, size.width, size.height)));
  cv::putText(frame, caption, {6, size.height + kCaptionHeight - 7}, cv::FONT_HERSHEY_SIMPLEX, 0.55,
              cv::Scalar::all(0), 1, cv::LINE_AA);
  return frame;
}

}  // namespace

void AnimationConfig::validate() const {
  require(max_frames >= 2,
          "--animation-frames must be at least 2 (got " + std::to_string(max_frames) + ")");
  require(max_side >= 16 && min_side >= 16 && min_side <= max_side,
          "animation frame sides must satisfy 16 <= min_side <= max_side");
  require(delay_cs >= 1 && delay_cs <= 6000,
          "--animation-delay must be within 1..6000 centiseconds");
  require(last_delay_cs >= 1 && last_delay_cs <= 6000,
          "the last frame's delay must be within 1..6000 centiseconds");
}

std::string AnimationConfig::to_string() const {
  std::ostringstream out;
  out << "AnimationConfig{max_frames=" << max_frames << ", max_side=" << max_side
      << ", min_side=" << min_side << ", delay_cs=" << delay_cs
      << ", last_delay_cs=" << last_delay_cs << "}";
  return out.str();
}

std::string write_progress_animation(const std::string& run_dir, const AnimationConfig& config) {
  config.validate();
  const RunData run = load_run(run_dir);
  std::vector<cv::Mat> frames;
  cv::Size size;
  for (size_t i : evenly_spaced(run.grids.size(), config.max_frames)) {
    cv::Mat grid;
    try {
      grid = vision::read_image(run.grids[i].path);
    } catch (const Error& e) {  // undecodable, or removed since it was listed
      DCGAN_WARN("progress animation: skipping " << run.grids[i].path << ": " << e.what());
      continue;
    }
    if (frames.empty()) size = frame_size(grid.size(), config);
    frames.push_back(captioned(grid, size, run.grids[i].label));
  }
  if (frames.empty()) return "";
  std::vector<int> delays(frames.size(), config.delay_cs);
  delays.back() = config.last_delay_cs;
  const std::string path = run_dir + "/progress.gif";
  vision::write_gif(path, frames, delays);
  return path;
}

}  // namespace dcgan::report
