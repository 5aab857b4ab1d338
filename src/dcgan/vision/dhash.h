// Perceptual difference hash (dHash, 64 bits) and a near-duplicate index over it. Two images
// whose hashes differ in at most D bits are treated as the same picture (re-encodes, slight
// brightness or scale changes). It does not detect crops, flips or rotations of one another.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dcgan::vision {

// dHash: the image, in gray, shrunk to 9x8 (INTER_AREA), one bit per horizontally adjacent
// pair (left brighter than right), row-major from the top left, most significant bit first.
uint64_t dhash(const cv::Mat& image);
int hamming_distance(uint64_t a, uint64_t b);
std::string hash_to_hex(uint64_t hash);          // 16 lower-case hex digits
uint64_t hash_from_hex(const std::string& hex);  // throws DataError on malformed input

// Parses a `--dedupe` value: "off" -> nullopt, "dhash:D" with 0 <= D <= 64 -> D.
// Throws ConfigError naming `flag` otherwise.
std::optional<int> parse_dedupe_spec(const std::string& spec, const std::string& flag);

// Remembers kept hashes and answers "is this a near duplicate of something kept?".
// A linear scan: tens of thousands of 64-bit popcounts take well under a millisecond.
class DedupeIndex {
 public:
  explicit DedupeIndex(int max_distance) : max_distance_(max_distance) {}
  // The id of the first kept item within max_distance of `hash`, or nullopt.
  std::optional<std::string> find(uint64_t hash) const;
  void add(uint64_t hash, std::string id);
  size_t size() const { return hashes_.size(); }

 private:
  int max_distance_;
  std::vector<uint64_t> hashes_;
  std::vector<std::string> ids_;
};

}  // namespace dcgan::vision
