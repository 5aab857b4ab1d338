// Bucket decimation of a long curve for plotting: the x range is cut into equal buckets and each
// keeps its min, max and mean, so spikes survive (min/max) and the trend reads clearly (mean).
// A curve with no more points than buckets is kept as is. Non-finite values are skipped.
#pragma once

#include <cstddef>
#include <vector>

namespace dcgan::report {

struct DecimatedCurve {
  bool decimated = false;  // false: x/mean are the raw points and lo == hi == mean
  std::vector<double> x;   // bucket centre (mean x of its points)
  std::vector<double> lo;  // min y in the bucket
  std::vector<double> hi;  // max y in the bucket
  std::vector<double> mean;
};

// x must be ascending. `max_buckets` >= 1.
DecimatedCurve decimate(const std::vector<double>& x, const std::vector<double>& y,
                        size_t max_buckets);

}  // namespace dcgan::report
