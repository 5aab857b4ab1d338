// A GIF89a reader for tests, written from the specification (blocks, palettes, variable-width
// LZW with clear codes) independently of the encoder, so encoder bugs cannot cancel out.
// Strict: throws std::runtime_error on anything unexpected (interlacing, partial frames, junk).
#pragma once

#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace dcgan::testing {

struct DecodedGif {
  int width = 0, height = 0;
  int loop_count = -1;  // -1: no NETSCAPE2.0 block
  std::vector<int> delays;
  std::vector<cv::Mat> frames;  // BGR
};

class GifByteReader {
 public:
  explicit GifByteReader(const std::string& bytes) : bytes_(bytes) {}
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

inline std::vector<cv::Vec3b> read_palette(GifByteReader& r, int bits) {
  std::vector<cv::Vec3b> palette(size_t(1) << bits);
  for (auto& c : palette) {
    int red = r.u8(), green = r.u8();
    c = cv::Vec3b(r.u8(), green, red);
  }
  return palette;
}

inline std::vector<int> lzw_decode(const std::string& data, int min_code_size, size_t n_pixels) {
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

inline DecodedGif decode_gif(const std::string& bytes) {
  GifByteReader r(bytes);
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

}  // namespace dcgan::testing
