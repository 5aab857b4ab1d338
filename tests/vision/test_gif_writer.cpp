// GIF encoder: files are decoded back by an independent GIF89a reader (gif_decoder.h) and
// compared pixel by pixel: exact for frames of <= 256 colours, within a small error for
// photographic frames.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/vision/gif_writer.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"
#include "vision/gif_decoder.h"

using namespace dcgan::vision;
using dcgan::testing::decode_gif;
using dcgan::testing::DecodedGif;

namespace {

cv::Mat random_frame(int h, int w, int n_colours, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<cv::Vec3b> colours;
  for (int i = 0; i < n_colours; ++i) colours.emplace_back(rng() % 256, rng() % 256, rng() % 256);
  cv::Mat frame(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) frame.at<cv::Vec3b>(y, x) = colours[rng() % n_colours];
  }
  return frame;
}

int max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<int>(cv::norm(a, b, cv::NORM_INF));
}

}  // namespace

TEST(GifWriter, FramesOfFewColoursRoundTripExactly) {
  std::vector<cv::Mat> frames;
  // 1 colour (padded 2-entry palette), 2, 5, 200 and 256 colours; the noise frames are big
  // enough to fill the 4096-code table several times, so clear codes are exercised.
  for (int n_colours : {1, 2, 5, 200, 256}) {
    frames.push_back(random_frame(97, 203, n_colours, 7 + n_colours));
  }
  DecodedGif gif = decode_gif(encode_gif(frames, 40, 0));
  EXPECT_EQ(gif.width, 203);
  EXPECT_EQ(gif.height, 97);
  EXPECT_EQ(gif.loop_count, 0);
  ASSERT_EQ(gif.frames.size(), frames.size());
  EXPECT_EQ(gif.delays, std::vector<int>(frames.size(), 40));
  for (size_t f = 0; f < frames.size(); ++f) {
    EXPECT_EQ(max_abs_diff(gif.frames[f], frames[f]), 0) << "frame " << f;
  }
}

TEST(GifWriter, LongRunsAndTinyFramesDecode) {
  // A uniform frame is one long LZW run; a 1x1 frame is a single code.
  std::vector<cv::Mat> big = {cv::Mat(300, 300, CV_8UC3, cv::Scalar(10, 20, 30))};
  EXPECT_EQ(max_abs_diff(decode_gif(encode_gif(big, 0)).frames.at(0), big[0]), 0);
  std::vector<cv::Mat> tiny = {cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)),
                               cv::Mat(1, 1, CV_8UC3, cv::Scalar(200, 100, 0))};
  DecodedGif gif = decode_gif(encode_gif(tiny, 7, 3));
  EXPECT_EQ(gif.loop_count, 3);
  EXPECT_EQ(decode_gif(encode_gif(tiny, std::vector<int>{5, 300})).delays,
            (std::vector<int>{5, 300}));
  ASSERT_EQ(gif.frames.size(), 2u);
  EXPECT_EQ(gif.frames[1].at<cv::Vec3b>(0, 0), cv::Vec3b(200, 100, 0));
}

TEST(GifWriter, PhotographicFramesAreQuantisedClosely) {
  // Synthetic faces have thousands of colours (shading, antialiasing): median cut must keep
  // them close. A 4x4 sheet of 64 px faces per frame, as the training progression has.
  std::vector<cv::Mat> frames;
  for (int f = 0; f < 3; ++f) {
    cv::Mat sheet(256, 256, CV_8UC3);
    for (int i = 0; i < 16; ++i) {
      draw_synth_face(f, i, 64).copyTo(sheet(cv::Rect(i % 4 * 64, i / 4 * 64, 64, 64)));
    }
    frames.push_back(sheet);
  }
  DecodedGif gif = decode_gif(encode_gif(frames, 50));
  ASSERT_EQ(gif.frames.size(), 3u);
  for (size_t f = 0; f < frames.size(); ++f) {
    cv::Mat diff;
    cv::absdiff(gif.frames[f], frames[f], diff);
    const cv::Scalar mean_error = cv::mean(diff);
    for (int c = 0; c < 3; ++c) EXPECT_LT(mean_error[c], 4.0) << "frame " << f << " channel " << c;
    EXPECT_LT(max_abs_diff(gif.frames[f], frames[f]), 64) << "frame " << f;
  }
}

TEST(GifWriter, ConvertsGrayAndBgra) {
  cv::Mat gray(8, 8, CV_8UC1, cv::Scalar(77));
  cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar(0, 0, 255, 0));  // fully transparent: white
  DecodedGif gif = decode_gif(encode_gif({gray, bgra}, 10));
  EXPECT_EQ(gif.frames.at(0).at<cv::Vec3b>(3, 3), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(gif.frames.at(1).at<cv::Vec3b>(3, 3), cv::Vec3b(255, 255, 255));
}

TEST(GifWriter, RejectsBadInput) {
  cv::Mat a(4, 4, CV_8UC3, cv::Scalar::all(0)), b(5, 4, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(encode_gif({}, 10), dcgan::DataError);
  EXPECT_THROW(encode_gif({a, b}, 10), dcgan::DataError);
  EXPECT_THROW(encode_gif({cv::Mat(4, 4, CV_32FC3)}, 10), dcgan::DataError);
  EXPECT_THROW(encode_gif({a}, -1), dcgan::ConfigError);
  EXPECT_THROW(encode_gif({a}, 10, 70000), dcgan::ConfigError);
  EXPECT_THROW(encode_gif({a, a}, std::vector<int>{10}), dcgan::DataError);
}

TEST(GifWriter, WritesAtomically) {
  dcgan::testing::TempDir dir;
  const std::string path = dir / "walk.gif";
  std::vector<cv::Mat> frames = {random_frame(16, 16, 3, 1), random_frame(16, 16, 3, 2)};
  write_gif(path, frames, 25);
  const std::string bytes = dcgan::read_file(path);
  EXPECT_EQ(bytes, encode_gif(frames, 25));
  EXPECT_EQ(decode_gif(bytes).frames.size(), 2u);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    entries += !e.is_directory();
  EXPECT_EQ(entries, 1) << "a temporary file was left behind";
  EXPECT_THROW(write_gif(dir / "missing/walk.gif", frames, 25), dcgan::IoError);
}
