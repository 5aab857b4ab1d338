// GIF encoder: files are decoded back by an independent GIF89a reader written here from the
// specification (blocks, palettes, variable-width LZW with clear codes), and compared pixel by
// pixel: exact for frames of <= 256 colours, within a small error for photographic frames.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/vision/gif_writer.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"

using namespace dcgan::vision;

namespace {

struct DecodedGif {
  int width = 0, height = 0;
  int loop_count = -1;  // -1: no NETSCAPE2.0 block
  std::vector<int> delays;
  std::vector<cv::Mat> frames;  // BGR
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  int u8() {
    if (pos_ >= bytes_.size()) throw std::runtime_error("GIF truncated");
    return static_cast<unsigned char>(bytes_[pos_++]);
  }
  int u16() {
    int lo = u8();
    return lo | u8() << 8;
  }
  std::string take(size_t n) {
    if (pos_ + n > bytes_.size()) throw std::runtime_error("GIF truncated");
    std::string s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string sub_blocks() {
    std::string data;
    for (int len = u8(); len != 0; len = u8()) data += take(len);
    return data;
  }
  bool at_end() const { return pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  size_t pos_ = 0;
};

std::vector<cv::Vec3b> read_palette(Reader& r, int bits) {
  std::vector<cv::Vec3b> palette(size_t(1) << bits);
  for (auto& c : palette) {
    int red = r.u8(), green = r.u8();
    c = cv::Vec3b(r.u8(), green, red);
  }
  return palette;
}

std::vector<int> lzw_decode(const std::string& data, int min_code_size, size_t n_pixels) {
  const int clear = 1 << min_code_size, end = clear + 1;
  std::vector<int> prefix(4096, -1), suffix(4096, 0);
  for (int i = 0; i < clear; ++i) suffix[i] = i;
  int width = min_code_size + 1, next = end + 1, prev = -1;
  size_t bit = 0;
  auto read_code = [&] {
    int code = 0;
    for (int k = 0; k < width; ++k, ++bit) {
      if (bit / 8 >= data.size()) throw std::runtime_error("LZW data ends before the end code");
      code |= ((static_cast<unsigned char>(data[bit / 8]) >> (bit % 8)) & 1) << k;
    }
    return code;
  };
  auto expand = [&](int code) {
    std::vector<int> s;
    for (; code >= 0; code = prefix[code]) s.push_back(suffix[code]);
    return std::vector<int>(s.rbegin(), s.rend());
  };
  std::vector<int> out;
  for (;;) {
    const int code = read_code();
    if (code == clear) {
      width = min_code_size + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code == end) break;
    std::vector<int> entry;
    if (prev < 0) {
      if (code >= clear) throw std::runtime_error("first code after clear is not a literal");
      entry = expand(code);
    } else {
      if (code < next) {
        entry = expand(code);
      } else if (code == next) {
        entry = expand(prev);
        entry.push_back(entry[0]);
      } else {
        throw std::runtime_error("LZW code beyond the table");
      }
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = entry[0];
        ++next;
      }
    }
    out.insert(out.end(), entry.begin(), entry.end());
    if (next == (1 << width) && width < 12) ++width;
    prev = code;
  }
  if (out.size() != n_pixels) throw std::runtime_error("LZW pixel count mismatch");
  return out;
}

DecodedGif decode_gif(const std::string& bytes) {
  Reader r(bytes);
  if (r.take(6) != "GIF89a") throw std::runtime_error("not GIF89a");
  DecodedGif gif;
  gif.width = r.u16();
  gif.height = r.u16();
  const int flags = r.u8();
  r.u8();
  r.u8();
  std::vector<cv::Vec3b> global;
  if (flags & 0x80) global = read_palette(r, (flags & 7) + 1);
  for (;;) {
    const int block = r.u8();
    if (block == 0x3b) break;
    if (block == 0x21) {
      const int label = r.u8();
      std::string body = r.sub_blocks();
      if (label == 0xf9) gif.delays.push_back(uint8_t(body[1]) | uint8_t(body[2]) << 8);
      if (label == 0xff && body.substr(0, 11) == "NETSCAPE2.0") {
        gif.loop_count = uint8_t(body[12]) | uint8_t(body[13]) << 8;
      }
      continue;
    }
    if (block != 0x2c) throw std::runtime_error("unknown GIF block");
    const int left = r.u16(), top = r.u16(), w = r.u16(), h = r.u16();
    if (left != 0 || top != 0 || w != gif.width || h != gif.height) {
      throw std::runtime_error("frame does not cover the screen");
    }
    const int image_flags = r.u8();
    if (image_flags & 0x40) throw std::runtime_error("interlaced frame");
    std::vector<cv::Vec3b> palette =
        image_flags & 0x80 ? read_palette(r, (image_flags & 7) + 1) : global;
    const int min_code_size = r.u8();
    std::vector<int> indices = lzw_decode(r.sub_blocks(), min_code_size, size_t(w) * h);
    cv::Mat frame(h, w, CV_8UC3);
    for (size_t i = 0; i < indices.size(); ++i) {
      frame.at<cv::Vec3b>(int(i) / w, int(i) % w) = palette.at(indices[i]);
    }
    gif.frames.push_back(frame);
  }
  if (!r.at_end()) throw std::runtime_error("bytes after the trailer");
  return gif;
}

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
