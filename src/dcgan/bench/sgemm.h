// `dcgan bench sgemm`: the machine's measured single-precision matrix-multiply peak, the yardstick
// for the training step's GFLOP/s. Times square sgemm through both libraries the step can use
// (the loaded BLAS via LibTorch, and oneDNN's own sgemm) for 1..N threads and keeps the best.
#pragma once

#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::bench {

struct BenchSgemmConfig {
  int n = 2048;  // square matrices n x n
  int reps = 5;  // timed repetitions per library and thread count (best one counts)
  std::vector<int> threads = {1, 2};

  void validate() const;
};

struct SgemmFigure {
  std::string library;  // "blas" (the loaded libblas.so.3) or "onednn"
  int threads = 0;
  double gflop_per_s = 0;
};

struct BenchSgemmResult {
  std::vector<SgemmFigure> figures;
  // Best over libraries, per thread count, in config.threads order.
  std::vector<SgemmFigure> best_per_threads;

  Json to_json() const;
};

BenchSgemmResult run_bench_sgemm(const BenchSgemmConfig& config);

}  // namespace dcgan::bench
