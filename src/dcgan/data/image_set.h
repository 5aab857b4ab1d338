// The training set: every image in a folder matching a glob pattern, decoded once into one
// uint8 tensor (N, C, S, S) RGB, with a cache file reused while the file list and the
// preprocessing are unchanged. Unreadable files are skipped and listed, never fatal.
// Shuffling, flipping and scaling to [-1, 1] happen per batch in the trainer, not here.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace dcgan::data {

struct DataConfig {
  std::string dir;
  std::string pattern = "*";  // glob over file names; only image extensions are considered
  bool recursive = false;
  bool crop = false;   // centre-crop input_size x input_size first (the recipe's --crop)
  int input_size = 0;  // crop side; 0 = the output size
  int output_size = 48;
  std::string channels = "auto";  // auto (1 if every image is grayscale, else 3) | 1 | 3
  int64_t limit = 0;              // use at most this many files (sorted order); 0 = all
  int threads = 0;                // decoding threads; 0 = all cores
  std::string cache_dir;          // where dataset-<key>.u8 lives; "" = no cache

  void validate() const;
  std::string to_string() const;
};

struct ImageSet {
  torch::Tensor images;  // (N, C, S, S) uint8, RGB order
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> skipped;  // (path, reason)
  std::string cache_path;  // the cache file used or written ("" when caching is off)
  bool from_cache = false;

  int64_t size() const { return images.size(0); }
  int channels() const { return static_cast<int>(images.size(1)); }
};

// Lists the matching files (sorted). Throws DataError naming folder and pattern when none match,
// IoError when the folder does not exist.
std::vector<std::string> list_image_files(const DataConfig& config);

// Lists, decodes (or loads the cache) and returns the set. Throws DataError when no file could
// be decoded.
ImageSet load_image_set(const DataConfig& config);

// Decodes one file with the set's preprocessing into a (C, S, S) uint8 RGB tensor; `is_gray`
// tells whether the file itself was single-channel. Throws DataError/IoError naming the file.
torch::Tensor load_training_image(const std::string& path, const DataConfig& config,
                                  bool* is_gray = nullptr);

}  // namespace dcgan::data
