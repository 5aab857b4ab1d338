// The report's images as data URIs under a byte budget: the final grid at full quality, the
// epoch grids for the slider (JPEG, evenly spaced, fewer when the budget is short) and
// progress.gif when it fits. Grids that cannot be decoded are skipped with a warning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcgan/report/run_data.h"

namespace dcgan::report {

struct LabelledImage {
  std::string label;
  std::string uri;
  int width = 0;
  int height = 0;
};

struct ReportImages {
  LabelledImage final_grid;           // uri empty when the run has no grid yet
  std::vector<LabelledImage> slider;  // oldest first
  std::string gif_uri;                // empty when there is no GIF or it did not fit
  bool gif_exists = false;
  size_t grids_on_disk = 0;
  int64_t bytes() const;  // total length of the URIs
};

// `budget` bytes of URIs at most (the final grid is always kept). The GIF may take up to 40% of
// what the final grid leaves; the slider gets the rest, dropping grids evenly until it fits.
ReportImages embed_images(const RunData& run, int max_grids, int64_t budget);

}  // namespace dcgan::report
