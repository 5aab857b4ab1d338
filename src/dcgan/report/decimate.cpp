// Min/max/mean bucket decimation; see decimate.h.
#include "dcgan/report/decimate.h"

#include <algorithm>
#include <cmath>

namespace dcgan::report {

DecimatedCurve decimate(const std::vector<double>& x, const std::vector<double>& y,
                        size_t max_buckets) {
  DecimatedCurve curve;
  std::vector<size_t> finite;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) finite.push_back(i);
  }
  if (finite.empty()) return curve;
  curve.decimated = finite.size() > std::max<size_t>(max_buckets, 1);
  if (!curve.decimated) {
    for (size_t i : finite) {
      curve.x.push_back(x[i]);
      curve.lo.push_back(y[i]);
      curve.hi.push_back(y[i]);
      curve.mean.push_back(y[i]);
    }
    return curve;
  }
  const double x0 = x[finite.front()], span = x[finite.back()] - x0;
  size_t k = 0;
  while (k < finite.size()) {
    // Bucket of x0 + [b, b+1) * span / max_buckets; the last bucket includes its right edge.
    const auto bucket_of = [&](double xv) {
      return span > 0 ? std::min(max_buckets - 1, size_t((xv - x0) / span * max_buckets)) : 0;
    };
    const size_t bucket = bucket_of(x[finite[k]]);
    double sum_x = 0, sum_y = 0, lo = INFINITY, hi = -INFINITY;
    size_t count = 0;
    for (; k < finite.size() && bucket_of(x[finite[k]]) == bucket; ++k) {
      const double yv = y[finite[k]];
      sum_x += x[finite[k]];
      sum_y += yv;
      lo = std::min(lo, yv);
      hi = std::max(hi, yv);
      ++count;
    }
    curve.x.push_back(sum_x / count);
    curve.lo.push_back(lo);
    curve.hi.push_back(hi);
    curve.mean.push_back(sum_y / count);
  }
  return curve;
}

}  // namespace dcgan::report
