// sgemm peak measurement; see sgemm.h. The best of `reps` runs counts: the figure is the
// machine's capability, not its average under load from other processes.
#include "dcgan/bench/sgemm.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>

#include "dcgan/core/error.h"
#include "dcgan/kernels/bf16_matmul.h"
#include "dcgan/kernels/precision.h"

namespace dcgan::bench {

void BenchSgemmConfig::validate() const {
  require(n >= 64 && n <= 16384, "--n must be between 64 and 16384");
  require(reps >= 1 && reps <= 1000, "--reps must be between 1 and 1000");
  require(!threads.empty(), "--threads needs at least one thread count");
  for (int t : threads) require(t >= 1 && t <= 1024, "--threads values must be >= 1");
  require(precision == "fp32" || precision == "bf16",
          "--precision must be fp32 or bf16 (got '" + precision + "')");
  require(precision == "fp32" || kernels::onednn_bf16_available(),
          "--precision bf16: oneDNN has no BF16 kernels on this CPU (oneDNN isa " +
              kernels::onednn_isa() + ")");
}

Json BenchSgemmResult::to_json() const {
  auto list = [](const std::vector<SgemmFigure>& figures) {
    Json out = Json::array();
    for (const auto& f : figures) {
      out.push_back(
          {{"library", f.library}, {"threads", f.threads}, {"gflop_per_s", f.gflop_per_s}});
    }
    return out;
  };
  return Json{{"figures", list(figures)}, {"best", list(best_per_threads)}};
}

namespace {

double best_seconds(int reps, const std::function<void()>& run) {
  run();  // warm-up: thread pools, page faults, packing buffers
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

namespace {

// oneDNN's BF16 x BF16 -> FP32 matmul, the product of --precision bf16.
BenchSgemmResult run_bench_bf16(const BenchSgemmConfig& config) {
  const int64_t n = config.n;
  const double flops = 2.0 * n * n * n;
  torch::manual_seed(0);
  auto a = torch::rand({n, n}).to(torch::kBFloat16), b = torch::rand({n, n}).to(torch::kBFloat16);
  auto c = torch::empty({n, n});
  const int previous_threads = torch::get_num_threads();
  BenchSgemmResult result;
  for (int threads : config.threads) {
    torch::set_num_threads(threads);
    double seconds = best_seconds(config.reps, [&] {
      kernels::bf16_matmul({n, n, n, n, 1, n, 1, n, false}, a.data_ptr<c10::BFloat16>(),
                           b.data_ptr<c10::BFloat16>(), c.data_ptr<float>());
    });
    SgemmFigure figure{"onednn", threads, flops / seconds / 1e9};
    result.figures.push_back(figure);
    result.best_per_threads.push_back(figure);
  }
  torch::set_num_threads(previous_threads);
  return result;
}

}  // namespace

BenchSgemmResult run_bench_sgemm(const BenchSgemmConfig& config) {
  config.validate();
  if (config.precision == "bf16") return run_bench_bf16(config);
  const int64_t n = config.n;
  const double flops = 2.0 * n * n * n;
  torch::manual_seed(0);
  auto a = torch::rand({n, n}), b = torch::rand({n, n}), c = torch::empty({n, n});
  const int previous_threads = torch::get_num_threads();
  BenchSgemmResult result;
  for (int threads : config.threads) {
    torch::set_num_threads(threads);
    double blas = best_seconds(config.reps, [&] { torch::mm_out(c, a, b); });
    double onednn = best_seconds(config.reps, [&] {
      dnnl::sgemm('N', 'N', n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f,
                  c.data_ptr<float>(), n);
    });
    SgemmFigure f_blas{"blas", threads, flops / blas / 1e9};
    SgemmFigure f_onednn{"onednn", threads, flops / onednn / 1e9};
    result.figures.push_back(f_blas);
    result.figures.push_back(f_onednn);
    result.best_per_threads.push_back(f_blas.gflop_per_s >= f_onednn.gflop_per_s ? f_blas
                                                                                 : f_onednn);
  }
  torch::set_num_threads(previous_threads);
  return result;
}

}  // namespace dcgan::bench
