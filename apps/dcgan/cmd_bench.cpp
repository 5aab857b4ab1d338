// `dcgan bench <target>`: throughput figures. Targets: `train` (the training iteration, in
// either precision), `sgemm` and `gemm --precision fp32|bf16` (the machine's matrix-multiply
// peak) and `data` (decoding the training set, and reloading it from the cache). Flags -> Config ->
// library call -> one `key=value` line per figure on stdout, for people and for bench/run_train.sh.
#include <iomanip>
#include <iostream>

#include "command_registry.h"
#include "dcgan/bench/data.h"
#include "dcgan/bench/sgemm.h"
#include "dcgan/bench/train.h"
#include "dcgan/core/log.h"

namespace dcgan::app {
namespace {

void setup_bench_train(CLI::App& bench) {
  auto config = std::make_shared<bench::BenchTrainConfig>();
  CLI::App* cmd = bench.add_subcommand(
      "train", "Time the training iteration (one D step, --g-steps G steps) and its GFLOP/s");
  cmd->add_option("--size", config->size, "Image side in pixels")->capture_default_str();
  cmd->add_option("--batch", config->batch, "Batch size")->capture_default_str();
  cmd->add_option("--iters", config->iters, "Timed iterations")->capture_default_str();
  cmd->add_option("--warmup", config->warmup, "Untimed iterations first")->capture_default_str();
  cmd->add_option("--threads", config->threads, "Compute threads; 0 = all cores")
      ->capture_default_str();
  cmd->add_option("--g-steps", config->g_steps, "G steps per iteration (the recipe: 2)")
      ->capture_default_str();
  cmd->add_option("--kernels", config->kernels, "fast (oneDNN layers) or torch (plain LibTorch)")
      ->capture_default_str();
  cmd->add_option("--precision", config->precision,
                  "fp32, bf16 (BF16 products, FP32 accumulation; needs native BF16) or auto")
      ->capture_default_str();
  cmd->add_option("--data", config->data_dir,
                  "Image folder to train on (default: uniform noise images)");
  cmd->add_option("--seed", config->seed, "Random seed")->capture_default_str();
  cmd->callback([config] {
    DCGAN_DEBUG(config->to_string());
    bench::BenchTrainResult r = bench::run_bench_train(*config);
    std::cout << std::fixed << std::setprecision(2) << "bench_train kernels=" << config->kernels
              << " precision=" << r.precision << " size=" << config->size
              << " batch=" << config->batch << " iters=" << config->iters
              << " threads=" << r.runtime["torch_threads"] << " img_per_s=" << r.img_per_s
              << " ms_per_iter=" << r.ms_per_iter << " gflop_per_iter=" << r.gflop_per_iter
              << " gflop_per_s=" << r.gflop_per_s << "\n"
              << "bench_train runtime " << r.runtime.dump() << std::endl;
  });
}

// `sgemm` (FP32, the name bench/run_train.sh has always used) and `gemm --precision ...`.
void setup_bench_gemm(CLI::App& bench, const std::string& name) {
  auto config = std::make_shared<bench::BenchSgemmConfig>();
  CLI::App* cmd = bench.add_subcommand(
      name, name == "sgemm"
                ? "Measure the sgemm peak (loaded BLAS and oneDNN), per thread count"
                : "Measure the matrix-multiply peak in fp32 (sgemm) or bf16 (oneDNN BF16 matmul)");
  cmd->add_option("--n", config->n, "Matrix side")->capture_default_str();
  cmd->add_option("--reps", config->reps, "Timed repetitions (the best counts)")
      ->capture_default_str();
  cmd->add_option("--threads", config->threads, "Thread counts to measure")->capture_default_str();
  if (name == "gemm") {
    cmd->add_option("--precision", config->precision,
                    "fp32 (sgemm) or bf16 (BF16 inputs, FP32 output)")
        ->capture_default_str();
  }
  cmd->callback([config, name] {
    bench::BenchSgemmResult r = bench::run_bench_sgemm(*config);
    const bool bf16 = config->precision == "bf16";
    std::cout << std::fixed << std::setprecision(1);
    for (size_t i = 0; i < r.best_per_threads.size(); ++i) {
      const auto& best = r.best_per_threads[i];
      std::cout << "bench_" << name;
      if (name == "gemm") std::cout << " precision=" << config->precision;
      std::cout << " n=" << config->n << " threads=" << best.threads;
      if (bf16) {
        std::cout << " onednn=" << best.gflop_per_s;
      } else {
        std::cout << " blas=" << r.figures[2 * i].gflop_per_s
                  << " onednn=" << r.figures[2 * i + 1].gflop_per_s;
      }
      std::cout << " peak_gflop_per_s=" << best.gflop_per_s << " (" << best.library << ")\n";
    }
    std::cout << std::flush;
  });
}

void setup_bench_data(CLI::App& bench) {
  auto config = std::make_shared<bench::BenchDataConfig>();
  CLI::App* cmd = bench.add_subcommand(
      "data", "Time decoding an image folder into the training tensor, and the cache reload");
  cmd->add_option("--data", config->data_dir, "Image folder")->required();
  cmd->add_option("--pattern", config->pattern, "Glob over file names")->capture_default_str();
  cmd->add_option("--size", config->size, "Output side in pixels")->capture_default_str();
  cmd->add_option("--threads", config->threads, "Decoding threads; 0 = all cores")
      ->capture_default_str();
  cmd->add_option("--limit", config->limit, "At most this many files; 0 = all")
      ->capture_default_str();
  cmd->callback([config] {
    bench::BenchDataResult r = bench::run_bench_data(*config);
    std::cout << std::fixed << std::setprecision(3) << "bench_data images=" << r.images
              << " size=" << config->size << " decode_s=" << r.decode_s
              << " decode_img_per_s=" << std::setprecision(1) << r.images / r.decode_s
              << " reload_s=" << std::setprecision(3) << r.reload_s << std::endl;
  });
}

void setup_bench(CLI::App& app) {
  CLI::App* bench =
      app.add_subcommand("bench", "Throughput benchmarks (train step, gemm peak, data loading)");
  bench->require_subcommand(1);
  setup_bench_train(*bench);
  setup_bench_gemm(*bench, "sgemm");
  setup_bench_gemm(*bench, "gemm");
  setup_bench_data(*bench);
}

const RegisterCommand kRegister{80, setup_bench};

}  // namespace
}  // namespace dcgan::app
