// GIF89a encoder; see gif_writer.h. Layout per the GIF89a specification: header, logical screen
// descriptor with frame 0's palette as the global colour table, NETSCAPE2.0 loop block, then per
// frame a graphic control extension (delay), an image descriptor (local palette from frame 1 on)
// and LZW data in 255-byte sub-blocks.
#include "dcgan/vision/gif_writer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <opencv2/imgproc.hpp>
#include <unordered_map>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::vision {
namespace {

constexpr int kMaxColours = 256;
// Median cut works on a 5-bit-per-channel histogram (32768 bins); palette entries are the mean
// of the real pixel values in each box, so they are not rounded to 5 bits.
constexpr int kHistBits = 5;
constexpr int kHistShift = 8 - kHistBits;
constexpr int kLzwMaxCodes = 4096;  // GIF's 12-bit code limit

struct IndexedFrame {
  std::vector<cv::Vec3b> palette;  // BGR
  std::vector<uint8_t> indices;    // one per pixel, row-major
};

cv::Mat to_bgr(const cv::Mat& frame) {
  if (frame.depth() != CV_8U) throw DataError("GIF frames must be 8-bit images");
  cv::Mat bgr;
  switch (frame.channels()) {
    case 1:
      cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
      return bgr;
    case 3:
      return frame.isContinuous() ? frame : frame.clone();
    case 4:
      return drop_alpha_on_white(frame);
    default:
      throw DataError("GIF frames must have 1, 3 or 4 channels");
  }
}

// Lossless path: a frame with at most 256 distinct colours keeps every one of them.
bool index_exactly(const cv::Mat& bgr, IndexedFrame* out) {
  std::unordered_map<uint32_t, uint8_t> index_of;
  const auto* pixels = bgr.ptr<cv::Vec3b>(0);
  const size_t n = bgr.total();
  out->indices.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const cv::Vec3b& p = pixels[i];
    const uint32_t key = uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2];
    auto it = index_of.find(key);
    if (it == index_of.end()) {
      if (out->palette.size() == kMaxColours) return false;
      it = index_of.emplace(key, static_cast<uint8_t>(out->palette.size())).first;
      out->palette.push_back(p);
    }
    out->indices[i] = it->second;
  }
  return true;
}

struct HistBin {
  std::array<int, 3> coord;  // 5-bit B, G, R
  int64_t count = 0;
  std::array<int64_t, 3> sum{};
};

struct Box {
  size_t begin, end;  // range of HistBin
  int64_t population;
  int split_channel;
  int range;  // extent along split_channel
};

int hist_bin_of(const cv::Vec3b& p) {
  return (p[0] >> kHistShift) << (2 * kHistBits) | (p[1] >> kHistShift) << kHistBits |
         (p[2] >> kHistShift);
}

Box make_box(const std::vector<HistBin>& bins, size_t begin, size_t end) {
  Box box{begin, end, 0, 0, 0};
  std::array<int, 3> lo{255, 255, 255}, hi{0, 0, 0};
  for (size_t i = begin; i < end; ++i) {
    box.population += bins[i].count;
    for (int c = 0; c < 3; ++c) {
      lo[c] = std::min(lo[c], bins[i].coord[c]);
      hi[c] = std::max(hi[c], bins[i].coord[c]);
    }
  }
  for (int c = 0; c < 3; ++c) {
    if (hi[c] - lo[c] > box.range) {
      box.range = hi[c] - lo[c];
      box.split_channel = c;
    }
  }
  return box;
}

// Splits the box at the population median along its widest channel (Heckbert's median cut).
std::pair<Box, Box> split_box(std::vector<HistBin>& bins, const Box& box) {
  const int c = box.split_channel;
  std::sort(bins.begin() + box.begin, bins.begin() + box.end,
            [c](const HistBin& a, const HistBin& b) { return a.coord[c] < b.coord[c]; });
  int64_t seen = 0;
  size_t mid = box.begin + 1;
  for (size_t i = box.begin; i < box.end - 1; ++i) {
    seen += bins[i].count;
    mid = i + 1;
    if (2 * seen >= box.population) break;
  }
  return {make_box(bins, box.begin, mid), make_box(bins, mid, box.end)};
}

IndexedFrame index_by_median_cut(const cv::Mat& bgr) {
  std::vector<HistBin> hist(size_t(1) << (3 * kHistBits));
  const auto* pixels = bgr.ptr<cv::Vec3b>(0);
  const size_t n = bgr.total();
  for (size_t i = 0; i < n; ++i) {
    HistBin& bin = hist[hist_bin_of(pixels[i])];
    ++bin.count;
    for (int c = 0; c < 3; ++c) bin.sum[c] += pixels[i][c];
  }
  std::vector<HistBin> bins;
  for (size_t b = 0; b < hist.size(); ++b) {
    if (hist[b].count == 0) continue;
    hist[b].coord = {int(b >> (2 * kHistBits)), int(b >> kHistBits) & 31, int(b) & 31};
    bins.push_back(hist[b]);
  }

  std::vector<Box> boxes{make_box(bins, 0, bins.size())};
  while (boxes.size() < kMaxColours) {
    // Split where it buys most: many pixels spread over a wide range.
    auto widest = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
      return a.population * a.range < b.population * b.range;
    });
    if (widest->range == 0) break;  // every box is a single histogram bin
    auto halves = split_box(bins, *widest);
    *widest = halves.first;
    boxes.push_back(halves.second);
  }

  IndexedFrame out;
  for (const Box& box : boxes) {
    std::array<int64_t, 3> sum{};
    for (size_t i = box.begin; i < box.end; ++i) {
      for (int c = 0; c < 3; ++c) sum[c] += bins[i].sum[c];
    }
    cv::Vec3b colour;
    for (int c = 0; c < 3; ++c) {
      colour[c] = static_cast<uint8_t>((sum[c] + box.population / 2) / box.population);
    }
    out.palette.push_back(colour);
  }
  // Each histogram bin maps to the palette entry nearest to the bin's mean colour.
  std::vector<uint8_t> nearest(hist.size(), 0);
  for (size_t b = 0; b < hist.size(); ++b) {
    if (hist[b].count == 0) continue;
    int64_t best = INT64_MAX;
    for (size_t k = 0; k < out.palette.size(); ++k) {
      int64_t d = 0;
      for (int c = 0; c < 3; ++c) {
        const int64_t diff = hist[b].sum[c] - int64_t(out.palette[k][c]) * hist[b].count;
        d += diff * diff;
      }
      if (d < best) {
        best = d;
        nearest[b] = static_cast<uint8_t>(k);
      }
    }
  }
  out.indices.resize(n);
  for (size_t i = 0; i < n; ++i) out.indices[i] = nearest[hist_bin_of(pixels[i])];
  return out;
}

IndexedFrame index_frame(const cv::Mat& bgr) {
  IndexedFrame exact;
  if (index_exactly(bgr, &exact)) return exact;
  return index_by_median_cut(bgr);
}

// Bits per palette index as stored in the file: the palette is padded to 2^bits entries.
int palette_bits(size_t colours) {
  int bits = 1;
  while ((size_t(1) << bits) < colours) ++bits;
  return bits;
}

void put_u16(std::string& out, int value) {
  out.push_back(static_cast<char>(value & 0xff));
  out.push_back(static_cast<char>((value >> 8) & 0xff));
}

void put_palette(std::string& out, const std::vector<cv::Vec3b>& palette) {
  const size_t entries = size_t(1) << palette_bits(palette.size());
  for (size_t k = 0; k < entries; ++k) {
    const cv::Vec3b colour = k < palette.size() ? palette[k] : cv::Vec3b(0, 0, 0);
    out.push_back(static_cast<char>(colour[2]));  // GIF stores RGB
    out.push_back(static_cast<char>(colour[1]));
    out.push_back(static_cast<char>(colour[0]));
  }
}

// Packs variable-width codes least-significant bit first, as GIF requires.
class BitPacker {
 public:
  void put(int code, int width) {
    buffer_ |= uint32_t(code) << filled_;
    filled_ += width;
    while (filled_ >= 8) {
      bytes_.push_back(static_cast<char>(buffer_ & 0xff));
      buffer_ >>= 8;
      filled_ -= 8;
    }
  }
  std::string finish() {
    if (filled_ > 0) bytes_.push_back(static_cast<char>(buffer_ & 0xff));
    return std::move(bytes_);
  }

 private:
  std::string bytes_;
  uint32_t buffer_ = 0;
  int filled_ = 0;
};

// String table of the LZW encoder: (prefix code, next index) -> code, open addressing.
class LzwTable {
 public:
  LzwTable() : keys_(kSlots, -1), codes_(kSlots, 0) {}
  void clear() { std::fill(keys_.begin(), keys_.end(), -1); }
  int find(int prefix, int index) const {
    const int key = prefix << 8 | index;
    for (size_t s = slot_of(key);; s = (s + 1) & (kSlots - 1)) {
      if (keys_[s] == key) return codes_[s];
      if (keys_[s] < 0) return -1;
    }
  }
  void insert(int prefix, int index, int code) {
    const int key = prefix << 8 | index;
    size_t s = slot_of(key);
    while (keys_[s] >= 0) s = (s + 1) & (kSlots - 1);
    keys_[s] = key;
    codes_[s] = static_cast<int16_t>(code);
  }

 private:
  static constexpr size_t kSlots = 2 * kLzwMaxCodes;  // load factor <= 1/2
  static size_t slot_of(int key) { return (uint32_t(key) * 2654435761u) >> 19 & (kSlots - 1); }
  std::vector<int> keys_;
  std::vector<int16_t> codes_;
};

// Variable-width LZW as in GIF89a appendix F: starts with a clear code, widens the codes when
// the next free code needs another bit, clears the table when all 4096 codes are used.
std::string lzw_encode(const std::vector<uint8_t>& indices, int min_code_size) {
  const int clear_code = 1 << min_code_size;
  const int end_code = clear_code + 1;
  LzwTable table;
  BitPacker bits;
  int width = min_code_size + 1;
  int next_code = end_code + 1;
  bits.put(clear_code, width);
  int prefix = indices[0];
  for (size_t i = 1; i < indices.size(); ++i) {
    const int index = indices[i];
    const int code = table.find(prefix, index);
    if (code >= 0) {
      prefix = code;
      continue;
    }
    bits.put(prefix, width);
    if (next_code < kLzwMaxCodes) {
      // The decoder adds this entry one code later, then widens when its next free code
      // reaches 2^width; widening here as the entry is assigned keeps both in step.
      if (next_code == (1 << width)) ++width;
      table.insert(prefix, index, next_code++);
    } else {
      bits.put(clear_code, width);
      table.clear();
      width = min_code_size + 1;
      next_code = end_code + 1;
    }
    prefix = index;
  }
  bits.put(prefix, width);
  // The decoder adds one more entry after the last code, which may widen the end code.
  if (next_code < kLzwMaxCodes && next_code == (1 << width)) ++width;
  bits.put(end_code, width);
  return bits.finish();
}

void put_sub_blocks(std::string& out, const std::string& data) {
  for (size_t pos = 0; pos < data.size(); pos += 255) {
    const size_t len = std::min<size_t>(255, data.size() - pos);
    out.push_back(static_cast<char>(len));
    out.append(data, pos, len);
  }
  out.push_back('\0');
}

void check_u16(int value, const char* what) {
  if (value < 0 || value > 65535) {
    throw ConfigError(std::string("GIF ") + what + " must be within 0..65535, got " +
                      std::to_string(value));
  }
}

}  // namespace

std::string encode_gif(const std::vector<cv::Mat>& bgr_frames, int delay_centiseconds,
                       int loop_count) {
  return encode_gif(bgr_frames, std::vector<int>(bgr_frames.size(), delay_centiseconds),
                    loop_count);
}

std::string encode_gif(const std::vector<cv::Mat>& bgr_frames,
                       const std::vector<int>& delays_centiseconds, int loop_count) {
  for (int delay : delays_centiseconds) check_u16(delay, "frame delay (centiseconds)");
  check_u16(loop_count, "loop count");
  if (bgr_frames.empty()) throw DataError("cannot write a GIF of zero frames");
  if (delays_centiseconds.size() != bgr_frames.size()) {
    throw DataError("a GIF needs one delay per frame: " + std::to_string(bgr_frames.size()) +
                    " frames, " + std::to_string(delays_centiseconds.size()) + " delays");
  }
  const cv::Size size = bgr_frames[0].size();
  if (size.width < 1 || size.height < 1 || size.width > 65535 || size.height > 65535) {
    throw DataError("GIF frames must be 1..65535 pixels on each side");
  }

  std::string out = "GIF89a";
  for (size_t f = 0; f < bgr_frames.size(); ++f) {
    if (bgr_frames[f].size() != size) {
      throw DataError("GIF frame " + std::to_string(f) + " differs in size from frame 0");
    }
    const IndexedFrame frame = index_frame(to_bgr(bgr_frames[f]));
    const int bits = palette_bits(frame.palette.size());
    if (f == 0) {
      put_u16(out, size.width);
      put_u16(out, size.height);
      out.push_back(static_cast<char>(0x80 | 0x70 | (bits - 1)));  // global table, 8-bit colour
      out.push_back('\0');                                         // background colour index
      out.push_back('\0');  // pixel aspect ratio: unspecified
      put_palette(out, frame.palette);
      out += "\x21\xff\x0bNETSCAPE2.0\x03\x01";
      put_u16(out, loop_count);
      out.push_back('\0');
    }
    out += "\x21\xf9\x04";
    out.push_back(0x04);  // disposal: leave the frame in place; no transparency
    put_u16(out, delays_centiseconds[f]);
    out.push_back('\0');
    out.push_back('\0');
    out.push_back(0x2c);
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, size.width);
    put_u16(out, size.height);
    if (f == 0) {
      out.push_back('\0');  // uses the global table
    } else {
      out.push_back(static_cast<char>(0x80 | (bits - 1)));
      put_palette(out, frame.palette);
    }
    const int min_code_size = std::max(2, bits);
    out.push_back(static_cast<char>(min_code_size));
    put_sub_blocks(out, lzw_encode(frame.indices, min_code_size));
  }
  out.push_back(0x3b);
  return out;
}

void write_gif(const std::string& path, const std::vector<cv::Mat>& bgr_frames,
               int delay_centiseconds, int loop_count) {
  atomic_write(path, encode_gif(bgr_frames, delay_centiseconds, loop_count));
}

void write_gif(const std::string& path, const std::vector<cv::Mat>& bgr_frames,
               const std::vector<int>& delays_centiseconds, int loop_count) {
  atomic_write(path, encode_gif(bgr_frames, delays_centiseconds, loop_count));
}

}  // namespace dcgan::vision
