// `dcgan bench data`: how fast a folder of images becomes the training tensor. Times decoding
// every image with the training preprocessing (no cache), then reloading the same tensor from
// the cache file the trainer keeps next to its runs (written once, untimed, in a temporary
// folder that is removed afterwards).
#pragma once

#include <cstdint>
#include <string>

namespace dcgan::bench {

struct BenchDataConfig {
  std::string data_dir;
  std::string pattern = "*";
  int size = 48;      // output side
  int threads = 0;    // decoding threads; 0 = all cores
  int64_t limit = 0;  // at most this many files; 0 = all

  void validate() const;
};

struct BenchDataResult {
  int64_t images = 0;
  double decode_s = 0;  // list + decode + resize into the uint8 tensor
  double reload_s = 0;  // list + stat + read the cache file
};

BenchDataResult run_bench_data(const BenchDataConfig& config);

}  // namespace dcgan::bench
