// `dcgan bench sgemm` / `dcgan bench gemm`: the machine's measured matrix-multiply peak, the
// yardstick for the training step's GFLOP/s. fp32 times square sgemm through both libraries the
// step can use (the loaded BLAS via LibTorch, and oneDNN's own sgemm); bf16 times oneDNN's
// matmul with BF16 inputs and FP32 output, the product --precision bf16 trains with. For 1..N
// threads; the best of --reps runs counts.
#pragma once

#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::bench {

struct BenchSgemmConfig {
  int n = 2048;  // square matrices n x n
  int reps = 5;  // timed repetitions per library and thread count (best one counts)
  std::vector<int> threads = {1, 2};
  std::string precision = "fp32";  // fp32 | bf16

  void validate() const;
};

struct SgemmFigure {
  std::string library;  // "blas" (the loaded libblas.so.3), "onednn" (sgemm or bf16 matmul)
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
