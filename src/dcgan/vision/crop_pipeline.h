// `dcgan crop`: every image under --in (recursive, sorted) -> detect faces -> filter boxes ->
// square crops in --out named <stem>-<i>.<format> (subfolders mirrored) + manifest.jsonl.
// Images are processed in parallel, but results are committed in input order, so outputs and
// dedupe decisions do not depend on the thread count. Bad inputs are counted, never fatal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcgan/vision/cropper.h"
#include "dcgan/vision/face_detector.h"
#include "dcgan/vision/image_files.h"

namespace dcgan::vision {

struct CropConfig {
  std::string in_dir;   // --in
  std::string out_dir;  // --out
  std::string cascade;  // --cascade; empty: $DCGAN_CASCADE, then the default places
  FaceDetectorConfig detector;
  CropGeometry geometry;
  std::string format = "jpg";        // --format jpg|png
  int quality = 95;                  // --quality, JPEG (cv2.imwrite's default is 95)
  int min_face = 0;                  // --min-face: drop boxes smaller than this (source px)
  int max_faces_per_image = 0;       // --max-faces-per-image: keep the N largest; 0 = all
  bool skip_gray = false;            // --skip-gray: skip monochrome illustrations
  std::string dedupe = "off";        // --dedupe off|dhash:D
  int threads = 0;                   // --threads; 0 = all cores
  std::string manifest;              // --manifest; empty = OUT/manifest.jsonl
  int64_t max_pixels = kDefaultMaxPixels;  // --max-pixels: refuse larger images

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
  std::string manifest_path() const;
};

struct CropSummary {
  std::string cascade;        // the cascade file used
  int64_t images = 0;         // image files found under --in
  int64_t already_done = 0;   // skipped: finished in an earlier run (manifest)
  int64_t processed = 0;      // read and searched in this run
  int64_t with_faces = 0;     // images with at least one box
  int64_t faces_found = 0;    // boxes detected
  int64_t faces_written = 0;  // crops written
  int64_t dropped_min_face = 0, dropped_max_faces = 0, dropped_duplicate = 0;
  int64_t dropped_empty_region = 0;  // region wholly outside the image (--shift-up, no --pad)
  int64_t gray_images = 0;          // skipped by --skip-gray
  int64_t small_images = 0;         // smaller than --min-size: no face can be found
  int64_t refused_images = 0;       // over --max-pixels (also listed in `failed`)
  std::vector<std::string> failed;  // "file: reason" for unreadable, truncated, refused images
  double seconds = 0;               // wall time of the image loop
  int threads = 1;

  double images_per_second() const;
  std::string to_string() const;  // multi-line, for the log
};

// Runs the crop stage. Throws ConfigError/IoError for problems with the whole run (bad flag,
// no cascade, unwritable --out), Interrupted on SIGINT after the manifest is up to date.
// Per-image failures are only counted in the summary; the caller decides the exit code.
CropSummary run_crop(const CropConfig& config);

}  // namespace dcgan::vision
