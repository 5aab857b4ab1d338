// The embedded demo data set: procedurally drawn anime-style cartoon faces, so that the whole
// pipeline runs with no download. Each image depends only on (seed, index), which makes a set
// byte-identical for a seed, different across seeds, and trivially parallel.
// It draws cartoons; it is not a model of real illustrations.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

namespace dcgan::vision {

struct SynthConfig {
  std::string out_dir;
  int n = 2000;
  int size = 64;
  uint64_t seed = 1;
  std::string format = "png";  // png | jpg
  int threads = 1;

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
};

// Draws face `index` of the set `seed` as a size x size BGR image.
cv::Mat draw_synth_face(uint64_t seed, int64_t index, int size);

// File name of face `index`: "synth-000123.png".
std::string synth_file_name(int64_t index, const std::string& format);

struct SynthSummary {
  int64_t written = 0;
  bool up_to_date = false;  // synth.json already described this exact set; nothing was written
  double seconds = 0;
};

// Writes faces 0..n-1 into out_dir, then `synth.json` describing the set (written last, so
// its presence means the set is complete). Does nothing when synth.json already matches.
SynthSummary write_synth_set(const SynthConfig& config);

}  // namespace dcgan::vision
