// `dcgan prepare`: the training set from face crops. Every image under --in (recursive, sorted)
// is checked (unreadable, optionally monochrome), deduplicated by dHash in that order (the
// first of a group is kept), centre-cut to a square, resized to --size and written flat into
// --out ("sub/a.jpg" -> "sub__a.png"; inputs that flatten to one name get "-2", "-3", ...).
// prepare.json, written last (after a sync of the images), records the settings, the files
// written, and every dropped file with its reason. It does not detect faces: run `dcgan crop`
// first.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dcgan/vision/image_files.h"

namespace dcgan::vision {

struct PrepareConfig {
  std::string in_dir;                // --in: face crops
  std::string out_dir;               // --out: the training set
  int size = 64;                     // --size: output side, pixels
  std::string format = "png";        // --format png|jpg (png: no second lossy step)
  int quality = 95;                  // --quality, for jpg
  std::string dedupe = "dhash:2";    // --dedupe off|dhash:D
  bool skip_gray = false;            // --skip-gray: drop monochrome crops
  int threads = 0;                   // --threads; 0 = all cores
  int64_t max_pixels = kDefaultMaxPixels;  // --max-pixels: refuse larger images

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
};

struct DroppedFile {
  std::string file;    // relative to --in
  std::string reason;  // "unreadable", "gray" or "duplicate"
  std::string detail;
};

struct PrepareSummary {
  int64_t inputs = 0;
  int64_t kept = 0;
  std::vector<DroppedFile> dropped;  // in input order
  std::map<std::string, int64_t> dropped_by_reason;
  double seconds = 0;

  std::string to_string() const;  // multi-line, for the log
};

// Builds the set. Throws ConfigError/IoError/DataError (no images at all) for the run as a
// whole; unreadable inputs are only listed as dropped. Files a previous run wrote (listed in
// the old prepare.json) that are no longer kept are removed; a listed name that is not a plain
// image file name inside --out (absolute, "..", a subfolder) is skipped with a warning.
PrepareSummary run_prepare(const PrepareConfig& config);

}  // namespace dcgan::vision
