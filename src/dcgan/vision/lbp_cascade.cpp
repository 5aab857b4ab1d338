// The LBP cascade evaluator; see lbp_cascade.h for what it reproduces and how.
#include "dcgan/vision/lbp_cascade.h"

#include <algorithm>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dcgan::vision {
namespace {

using Stage = LbpCascade::Stage;
using Stump = LbpCascade::Stump;

constexpr int kCategories = 256;        // 8-bit LBP codes
constexpr int kSubsetWords = 8;         // 256 bits of "goes left" per stump
constexpr float kThresholdEps = 1e-5f;  // OpenCV lowers every stage threshold by this
constexpr double kGroupEps = 0.2;       // OpenCV's GROUP_EPS
constexpr int kLanes = 8;               // windows per AVX2 step

// A stump with its feature's 16 grid corners as offsets into an integral image of one stride:
// corner[4 * r + c] is the corner (x + c*w, y + r*h) of the feature's 3x3 grid of w x h blocks.
struct PlacedStump {
  int corner[16];
  const uint32_t* subset;
  float left, right;
};

// The LBP code of the feature whose corners are `o`, in the window at `q`: one bit per outer
// block, set where the block's sum is >= the centre block's, clockwise from the top-left
// (OpenCV's bit order).
inline int lbp_code(const int* q, const int* o) {
  // In unsigned arithmetic: the integral of a very large level wraps around 2^32 (as OpenCV's
  // does), and the block sums stay right modulo 2^32 without signed overflow.
  auto block = [q, o](int a, int b, int c, int d) {
    const auto u = [q, o](int k) { return static_cast<uint32_t>(q[o[k]]); };
    return static_cast<int>(u(a) - u(b) - u(c) + u(d));
  };
  const int centre = block(5, 6, 9, 10);
  return (block(0, 1, 4, 5) >= centre) << 7 | (block(1, 2, 5, 6) >= centre) << 6 |
         (block(2, 3, 6, 7) >= centre) << 5 | (block(6, 7, 10, 11) >= centre) << 4 |
         (block(10, 11, 14, 15) >= centre) << 3 | (block(9, 10, 13, 14) >= centre) << 2 |
         (block(8, 9, 12, 13) >= centre) << 1 | (block(4, 5, 8, 9) >= centre);
}

// How many stages the window at `q` passes (all of them: a detection), OpenCV's loop.
int stages_passed(const std::vector<Stage>& stages, const PlacedStump* stumps, const int* q) {
  for (size_t s = 0; s < stages.size(); ++s) {
    const Stage& stage = stages[s];
    double sum = 0;
    for (int t = 0; t < stage.stumps; ++t) {
      const PlacedStump& stump = stumps[stage.first_stump + t];
      const int code = lbp_code(q, stump.corner);
      sum += (stump.subset[code >> 5] >> (code & 31)) & 1 ? stump.left : stump.right;
    }
    if (sum < stage.threshold) return static_cast<int>(s);
  }
  return static_cast<int>(stages.size());
}

#if defined(__x86_64__)
bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

#define DCGAN_AVX2 __attribute__((target("avx2"), always_inline)) inline

// Sum of the block with corners a (top-left), b, c, d (bottom-right) for eight windows.
DCGAN_AVX2 __m256i block_sum(const __m256i* v, int a, int b, int c, int d) {
  return _mm256_add_epi32(_mm256_sub_epi32(_mm256_sub_epi32(v[a], v[b]), v[c]), v[d]);
}

// code | bit where outer >= centre.
DCGAN_AVX2 __m256i set_bit_if_ge(__m256i code, __m256i outer, __m256i centre, int bit) {
  return _mm256_or_si256(
      code, _mm256_andnot_si256(_mm256_cmpgt_epi32(centre, outer), _mm256_set1_epi32(bit)));
}

// stages_passed for the n windows at row[0], row[1], ... in blocks of 8. Reads up to 7 ints
// past the last window's corners (the caller pads the integral image).
__attribute__((target("avx2"))) void stages_passed_x8(const std::vector<Stage>& stages,
                                                      const PlacedStump* stumps, const int* row,
                                                      int n, uint8_t* passed) {
  const __m256i one = _mm256_set1_epi32(1), low5 = _mm256_set1_epi32(31);
  // Packs the two 4 x 64-bit comparison masks into 8 x 32-bit lanes.
  const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  for (int x0 = 0; x0 < n; x0 += kLanes) {
    const int* q = row + x0;
    __m256i level = _mm256_setzero_si256();  // stages passed so far, per window
    for (size_t s = 0; s < stages.size(); ++s) {
      const Stage& stage = stages[s];
      __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
      for (int t = 0; t < stage.stumps; ++t) {
        const PlacedStump& stump = stumps[stage.first_stump + t];
        __m256i v[16];
        for (int k = 0; k < 16; ++k) {
          v[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + stump.corner[k]));
        }
        const __m256i centre = block_sum(v, 5, 6, 9, 10);
        __m256i code = _mm256_setzero_si256();
        code = set_bit_if_ge(code, block_sum(v, 0, 1, 4, 5), centre, 128);
        code = set_bit_if_ge(code, block_sum(v, 1, 2, 5, 6), centre, 64);
        code = set_bit_if_ge(code, block_sum(v, 2, 3, 6, 7), centre, 32);
        code = set_bit_if_ge(code, block_sum(v, 6, 7, 10, 11), centre, 16);
        code = set_bit_if_ge(code, block_sum(v, 10, 11, 14, 15), centre, 8);
        code = set_bit_if_ge(code, block_sum(v, 9, 10, 13, 14), centre, 4);
        code = set_bit_if_ge(code, block_sum(v, 8, 9, 12, 13), centre, 2);
        code = set_bit_if_ge(code, block_sum(v, 4, 5, 8, 9), centre, 1);
        // The 256-bit subset is one register: word code/32 by a permute, then bit code%32.
        const __m256i subset = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(stump.subset));
        const __m256i word = _mm256_permutevar8x32_epi32(subset, _mm256_srli_epi32(code, 5));
        const __m256i bit =
            _mm256_and_si256(_mm256_srlv_epi32(word, _mm256_and_si256(code, low5)), one);
        const __m256 leaf =
            _mm256_blendv_ps(_mm256_set1_ps(stump.right), _mm256_set1_ps(stump.left),
                             _mm256_castsi256_ps(_mm256_cmpeq_epi32(bit, one)));
        // Summed in double, leaf by leaf in OpenCV's order, so the sums are bit-identical.
        sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(leaf)));
        sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(leaf, 1)));
      }
      const __m256d threshold = _mm256_set1_pd(stage.threshold);
      const __m256i pass_lo = _mm256_castpd_si256(_mm256_cmp_pd(sum_lo, threshold, _CMP_GE_OQ));
      const __m256i pass_hi = _mm256_castpd_si256(_mm256_cmp_pd(sum_hi, threshold, _CMP_GE_OQ));
      const __m256i pass = _mm256_blend_epi32(_mm256_permutevar8x32_epi32(pass_lo, even),
                                              _mm256_permutevar8x32_epi32(pass_hi, even), 0xF0);
      const __m256i alive = _mm256_cmpeq_epi32(level, _mm256_set1_epi32(static_cast<int>(s)));
      level = _mm256_sub_epi32(level, _mm256_and_si256(alive, pass));  // +1 where still alive
      const __m256i next = _mm256_cmpeq_epi32(level, _mm256_set1_epi32(static_cast<int>(s) + 1));
      if (_mm256_movemask_epi8(next) == 0) break;  // all eight rejected
    }
    alignas(32) int levels[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(levels), level);
    for (int k = 0; k < kLanes && x0 + k < n; ++k) passed[x0 + k] = static_cast<uint8_t>(levels[k]);
  }
}
#endif

// OpenCV's scale list: factors 1, f, f^2, ... (stored as float) while the window fits the
// image, keeping those whose window is at least min_size.
std::vector<float> pyramid_scales(cv::Size image, cv::Size window, double scale_factor,
                                  cv::Size min_size) {
  std::vector<float> all;
  for (double factor = 1;; factor *= scale_factor) {
    const cv::Size w(cvRound(window.width * factor), cvRound(window.height * factor));
    if (w.width > image.width || w.height > image.height) break;
    all.push_back(static_cast<float>(factor));
  }
  std::vector<float> used;
  for (float factor : all) {
    const cv::Size w(cvRound(window.width * factor), cvRound(window.height * factor));
    if (w.width > image.width || w.height > image.height) break;
    if (w.width < min_size.width || w.height < min_size.height) continue;
    used.push_back(factor);
  }
  return used;
}

cv::Size level_size(cv::Size image, float scale) {
  return {cvRound(image.width / scale), cvRound(image.height / scale)};
}

}  // namespace

std::optional<LbpCascade> LbpCascade::from_node(const cv::FileNode& root) {
  if (root.empty() || !root.isMap()) return std::nullopt;
  if (static_cast<std::string>(root["stageType"]) != "BOOST" ||
      static_cast<std::string>(root["featureType"]) != "LBP" ||
      static_cast<int>(root["featureParams"]["maxCatCount"]) != kCategories) {
    return std::nullopt;
  }
  LbpCascade cascade;
  cascade.window_ = {static_cast<int>(root["width"]), static_cast<int>(root["height"])};
  if (cascade.window_.width <= 0 || cascade.window_.height <= 0) return std::nullopt;
  for (const cv::FileNode& features : root["features"]) {
    const cv::FileNode rect = features["rect"];
    if (rect.size() != 4) return std::nullopt;
    const cv::Rect r(static_cast<int>(rect[0]), static_cast<int>(rect[1]),
                     static_cast<int>(rect[2]), static_cast<int>(rect[3]));
    // The 3x3 grid must lie inside the window, or it would read outside the level.
    if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0 ||
        r.x + 3 * r.width > cascade.window_.width || r.y + 3 * r.height > cascade.window_.height) {
      return std::nullopt;
    }
    cascade.features_.push_back(r);
  }
  for (const cv::FileNode& stage_node : root["stages"]) {
    Stage stage;
    stage.threshold = static_cast<float>(stage_node["stageThreshold"]) - kThresholdEps;
    stage.first_stump = static_cast<int>(cascade.stumps_.size());
    for (const cv::FileNode& weak : stage_node["weakClassifiers"]) {
      // One split (left, right, feature, 8 subset words) and its two leaves: a stump.
      const cv::FileNode nodes = weak["internalNodes"], leaves = weak["leafValues"];
      if (nodes.size() != 3 + kSubsetWords || leaves.size() != 2) return std::nullopt;
      Stump stump;
      stump.feature = static_cast<int>(nodes[2]);
      if (stump.feature < 0 || stump.feature >= static_cast<int>(cascade.features_.size())) {
        return std::nullopt;
      }
      for (int w = 0; w < kSubsetWords; ++w) {
        stump.subset[w] = static_cast<uint32_t>(static_cast<int>(nodes[3 + w]));
      }
      stump.left = static_cast<float>(leaves[0]);
      stump.right = static_cast<float>(leaves[1]);
      cascade.stumps_.push_back(stump);
    }
    stage.stumps = static_cast<int>(cascade.stumps_.size()) - stage.first_stump;
    if (stage.stumps == 0) return std::nullopt;
    cascade.stages_.push_back(stage);
  }
  if (cascade.stages_.empty()) return std::nullopt;
  return cascade;
}

std::vector<cv::Rect> LbpCascade::detect(const cv::Mat& gray, double scale_factor,
                                         int min_neighbors, cv::Size min_size,
                                         bool vectorised) const {
  CV_Assert(gray.type() == CV_8UC1 && scale_factor > 1);
  std::vector<cv::Rect> boxes;
  if (gray.cols < window_.width || gray.rows < window_.height) return boxes;
  const std::vector<float> scales = pyramid_scales(gray.size(), window_, scale_factor, min_size);
  if (scales.empty()) return boxes;

  // One integral buffer at the largest level's stride serves every level, so the stumps'
  // corner offsets are computed once. Padded for the vector path's over-read.
  const cv::Size largest = level_size(gray.size(), scales.front());
  const int stride = largest.width + 1;
  std::vector<int> integral(static_cast<size_t>(largest.height + 1) * stride + 2 * kLanes, 0);
  std::vector<PlacedStump> placed(stumps_.size());
  for (size_t i = 0; i < stumps_.size(); ++i) {
    const cv::Rect& f = features_[stumps_[i].feature];
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) {
        placed[i].corner[4 * r + c] = (f.y + r * f.height) * stride + f.x + c * f.width;
      }
    }
    placed[i].subset = stumps_[i].subset;
    placed[i].left = stumps_[i].left;
    placed[i].right = stumps_[i].right;
  }
#if defined(__x86_64__)
  const bool use_avx2 = vectorised && cpu_has_avx2();
#else
  const bool use_avx2 = false;
#endif

  cv::Mat level;
  std::vector<uint8_t> passed(static_cast<size_t>(stride) + kLanes);
  const int all_stages = static_cast<int>(stages_.size());
  for (float scale : scales) {
    const cv::Size size = level_size(gray.size(), scale);
    cv::resize(gray, level, size, 0, 0, cv::INTER_LINEAR_EXACT);
    cv::Mat sums(size.height + 1, size.width + 1, CV_32S, integral.data(),
                 static_cast<size_t>(stride) * sizeof(int));
    cv::integral(level, sums, CV_32S);
    const int step = scale >= 2 ? 1 : 2;
    const int columns = std::max(size.width + 1 - window_.width, 0);
    const int rows = std::max(size.height + 1 - window_.height, 0);
    const cv::Size box(cvRound(window_.width * scale), cvRound(window_.height * scale));
    for (int y = 0; y < rows; y += step) {
      const int* row = integral.data() + static_cast<size_t>(y) * stride;
#if defined(__x86_64__)
      if (use_avx2) stages_passed_x8(stages_, placed.data(), row, columns, passed.data());
#endif
      for (int x = 0; x < columns; x += step) {
        const int n = use_avx2 ? passed[x] : stages_passed(stages_, placed.data(), row + x);
        if (n == all_stages) {
          boxes.emplace_back(cvRound(x * scale), cvRound(y * scale), box.width, box.height);
        }
        if (n == 0) x += step;  // OpenCV skips the next window after a stage-0 rejection
      }
    }
  }

  cv::groupRectangles(boxes, min_neighbors, kGroupEps);
  // CascadeClassifier clips to the image and drops what is left empty.
  const cv::Rect image(0, 0, gray.cols, gray.rows);
  std::vector<cv::Rect> clipped;
  for (const cv::Rect& b : boxes) {
    const cv::Rect c = b & image;
    if (c.area() > 0) clipped.push_back(c);
  }
  return clipped;
}

}  // namespace dcgan::vision
