// Curve decimation: short curves pass through untouched; long ones shrink to the bucket count
// while every bucket keeps its true min, max and mean (so a single spike stays visible).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "dcgan/report/decimate.h"

using namespace dcgan::report;

TEST(Decimate, ShortCurvesAreKeptAsIs) {
  const std::vector<double> x = {1, 2, 3}, y = {0.5, NAN, 2.5};
  DecimatedCurve c = decimate(x, y, 10);
  EXPECT_FALSE(c.decimated);
  EXPECT_EQ(c.x, (std::vector<double>{1, 3}));  // the NaN point is skipped
  EXPECT_EQ(c.mean, (std::vector<double>{0.5, 2.5}));
  EXPECT_EQ(c.lo, c.mean);
  EXPECT_EQ(c.hi, c.mean);
  EXPECT_TRUE(decimate({}, {}, 10).x.empty());
}

TEST(Decimate, LongCurvesKeepEveryBucketsExtremes) {
  const size_t n = 50000, buckets = 1000;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise;
  std::vector<double> x(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = double(i + 1);
    y[i] = std::sin(i / 3000.0) + 0.1 * noise(rng);
  }
  y[31337] = 40;  // one spike
  DecimatedCurve c = decimate(x, y, buckets);
  ASSERT_TRUE(c.decimated);
  ASSERT_EQ(c.x.size(), buckets);
  EXPECT_EQ(*std::max_element(c.hi.begin(), c.hi.end()), 40);
  EXPECT_EQ(*std::min_element(c.lo.begin(), c.lo.end()), *std::min_element(y.begin(), y.end()));
  // Buckets are 50 steps wide: check one against a direct computation.
  const size_t b = 123;
  const auto first = y.begin() + b * 50, last = first + 50;
  EXPECT_EQ(c.lo[b], *std::min_element(first, last));
  EXPECT_EQ(c.hi[b], *std::max_element(first, last));
  double sum = 0;
  for (auto it = first; it != last; ++it) sum += *it;
  EXPECT_NEAR(c.mean[b], sum / 50, 1e-12);
  EXPECT_NEAR(c.x[b], b * 50 + 25.5, 1e-9);
  EXPECT_TRUE(std::is_sorted(c.x.begin(), c.x.end()));
}

TEST(Decimate, UnevenStepsAndConstantX) {
  // A resumed run can leave gaps in x; empty buckets are simply absent.
  std::vector<double> x, y;
  for (int i = 0; i < 100; ++i) x.push_back(i), y.push_back(i);
  for (int i = 0; i < 100; ++i) x.push_back(10000 + i), y.push_back(-i);
  DecimatedCurve c = decimate(x, y, 50);
  EXPECT_TRUE(c.decimated);
  EXPECT_LE(c.x.size(), 50u);
  EXPECT_EQ(*std::max_element(c.hi.begin(), c.hi.end()), 99);
  EXPECT_EQ(*std::min_element(c.lo.begin(), c.lo.end()), -99);
  DecimatedCurve flat = decimate(std::vector<double>(500, 7.0), std::vector<double>(500, 1.0), 10);
  EXPECT_EQ(flat.x.size(), 1u);
}
