// dHash and the near-duplicate index; see dhash.h.
#include "dcgan/vision/dhash.h"

#include <bitset>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "dcgan/core/error.h"

namespace dcgan::vision {

uint64_t dhash(const cv::Mat& image) {
  cv::Mat gray = image;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  if (image.channels() == 4) cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
  cv::Mat small;
  cv::resize(gray, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
  uint64_t hash = 0;
  for (int y = 0; y < 8; ++y) {
    const uchar* row = small.ptr<uchar>(y);
    for (int x = 0; x < 8; ++x) hash = (hash << 1) | (row[x] > row[x + 1] ? 1u : 0u);
  }
  return hash;
}

int hamming_distance(uint64_t a, uint64_t b) {
  return static_cast<int>(std::bitset<64>(a ^ b).count());
}

std::string hash_to_hex(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

uint64_t hash_from_hex(const std::string& hex) {
  if (hex.size() != 16 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw DataError("'" + hex + "' is not a 64-bit hex hash (16 hex digits)");
  }
  return std::stoull(hex, nullptr, 16);
}

std::optional<int> parse_dedupe_spec(const std::string& spec, const std::string& flag) {
  if (spec == "off" || spec.empty()) return std::nullopt;
  const std::string prefix = "dhash:";
  const std::string hint = flag +
                           " must be 'off' or 'dhash:D' with D the largest Hamming "
                           "distance (0-64) between duplicates, e.g. dhash:2 (got '" +
                           spec + "')";
  if (spec.rfind(prefix, 0) != 0) throw ConfigError(hint);
  const std::string digits = spec.substr(prefix.size());
  if (digits.empty() || digits.size() > 2 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError(hint);
  }
  int distance = std::stoi(digits);
  require(distance <= 64, hint);
  return distance;
}

std::optional<std::string> DedupeIndex::find(uint64_t hash) const {
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hamming_distance(hash, hashes_[i]) <= max_distance_) return ids_[i];
  }
  return std::nullopt;
}

void DedupeIndex::add(uint64_t hash, std::string id) {
  hashes_.push_back(hash);
  ids_.push_back(std::move(id));
}

}  // namespace dcgan::vision
