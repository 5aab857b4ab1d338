// Training-step benchmark; see train.h. Uses the trainer's own gan::GanStep so the timed
// work is exactly what `dcgan train` runs per iteration.
#include "dcgan/bench/train.h"

#include <chrono>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/data/image_set.h"
#include "dcgan/gan/runtime_info.h"
#include "dcgan/gan/train_step.h"
#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/precision.h"
#include "dcgan/kernels/threads.h"

namespace dcgan::bench {

void BenchTrainConfig::validate() const {
  require(size >= 16 && size <= 256, "--size must be between 16 and 256");
  require(batch >= 1 && batch <= 4096, "--batch must be between 1 and 4096");
  require(iters >= 1, "--iters must be at least 1");
  require(warmup >= 0, "--warmup must be 0 or more");
  require(threads >= 0 && threads <= 1024, "--threads must be 0 (all cores) or a thread count");
  require(g_steps >= 1 && g_steps <= 100, "--g-steps must be between 1 and 100");
  require(kernels == "fast" || kernels == "torch",
          "--kernels must be fast or torch (got '" + kernels + "')");
  require(precision == "fp32" || precision == "bf16" || precision == "auto",
          "--precision must be fp32, bf16 or auto (got '" + precision + "')");
}

std::string BenchTrainConfig::to_string() const {
  return "BenchTrainConfig" + Json{{"size", size},         {"batch", batch},
                                   {"iters", iters},       {"warmup", warmup},
                                   {"threads", threads},   {"g_steps", g_steps},
                                   {"kernels", kernels},   {"precision", precision},
                                   {"data_dir", data_dir}, {"seed", seed}}
                                  .dump();
}

Json BenchTrainResult::to_json() const {
  return Json{{"seconds", seconds},         {"ms_per_iter", ms_per_iter},
              {"img_per_s", img_per_s},     {"gflop_per_iter", gflop_per_iter},
              {"gflop_per_s", gflop_per_s}, {"precision", precision},
              {"runtime", runtime}};
}

namespace {

// FLOPs of one pass (forward, backward-data or backward-weights: all the same count) of each
// layer, in the order the models apply them.
struct LayerFlops {
  std::vector<double> g;  // fc, deconv1..4
  std::vector<double> d;  // conv1..4, fc
};

LayerFlops layer_flops(const gan::ModelConfig& m, int batch) {
  auto s = gan::dcgan_sizes(m.size);
  const double b = batch, k2 = 25;
  LayerFlops f;
  const int g_chans[5] = {8 * m.gf_dim, 4 * m.gf_dim, 2 * m.gf_dim, m.gf_dim, m.channels};
  f.g.push_back(2 * b * m.z_dim * g_chans[0] * s[4] * s[4]);
  for (int i = 0; i < 4; ++i) {
    // A transposed conv does one MAC per input pixel, input channel, output channel, tap.
    f.g.push_back(2 * b * g_chans[i] * s[4 - i] * s[4 - i] * g_chans[i + 1] * k2);
  }
  const int d_chans[5] = {m.channels, m.df_dim, 2 * m.df_dim, 4 * m.df_dim, 8 * m.df_dim};
  for (int i = 0; i < 4; ++i) {
    f.d.push_back(2 * b * d_chans[i + 1] * s[i + 1] * s[i + 1] * d_chans[i] * k2);
  }
  f.d.push_back(2 * b * d_chans[4] * s[4] * s[4]);
  return f;
}

double sum(const std::vector<double>& v, size_t from = 0) {
  double total = 0;
  for (size_t i = from; i < v.size(); ++i) total += v[i];
  return total;
}

}  // namespace

double dcgan_iteration_flops(const gan::ModelConfig& model, int batch, int g_steps) {
  LayerFlops f = layer_flops(model, batch);
  const double g_all = sum(f.g), d_all = sum(f.d);
  const double d_input_grad_without_conv1 = d_all - f.d[0];  // images need no gradient
  const double d_step = g_all + 2 * (d_all + d_all + d_input_grad_without_conv1);
  const double g_without_fc = sum(f.g, 1);  // z needs no gradient
  const double g_step = g_all + d_all + d_all + g_all + g_without_fc;
  const double reused_g_forward = g_all;  // the first G step takes the D step's G(z)
  return d_step + g_steps * g_step - reused_g_forward;
}

BenchTrainResult run_bench_train(const BenchTrainConfig& config) {
  config.validate();
  kernels::set_compute_threads(config.threads);
  torch::manual_seed(config.seed);
  gan::ModelConfig model;
  model.size = config.size;
  model.kernels = config.kernels;

  const int64_t needed = static_cast<int64_t>(config.batch) * (config.iters + config.warmup);
  torch::Tensor images;  // (N, 3, S, S) float in [-1, 1]
  if (config.data_dir.empty()) {
    images = torch::rand({4 * config.batch, 3, config.size, config.size}) * 2 - 1;
  } else {
    data::DataConfig data;
    data.dir = config.data_dir;
    data.output_size = config.size;
    data.channels = "3";
    data.limit = needed;
    images = data::load_image_set(data).images.to(torch::kFloat).div_(127.5).sub_(1);
  }
  if (images.size(0) < config.batch) {
    throw DataError("bench train: " + config.data_dir + " holds fewer images than one batch (" +
                    std::to_string(config.batch) + "); lower --batch");
  }

  gan::StepConfig step_config;
  step_config.g_steps = config.g_steps;
  step_config.fused_adam = config.kernels == "fast";
  gan::GanStep step(gan::make_generator(model), gan::make_discriminator(model), step_config);
  auto sample_z = [&](int64_t n) { return torch::rand({n, model.z_dim}) * 2 - 1; };
  const int64_t batches = images.size(0) / config.batch;
  auto iteration = [&](int i) {
    auto real = images.narrow(0, (i % batches) * config.batch, config.batch);
    step.run({real}, sample_z);
  };

  // auto times the iteration itself in both precisions (those iterations train too: the
  // benchmark's weights are of no interest).
  const kernels::PrecisionChoice precision =
      kernels::choose_precision(config.precision, false, config.kernels == "fast",
                                "bench " + config.to_string(), [&] { iteration(0); });
  kernels::PrecisionScope scope(precision.precision);
  for (int i = 0; i < config.warmup; ++i) iteration(i);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < config.iters; ++i) iteration(config.warmup + i);
  auto stop = std::chrono::steady_clock::now();

  BenchTrainResult r;
  r.seconds = std::chrono::duration<double>(stop - start).count();
  r.ms_per_iter = 1000 * r.seconds / config.iters;
  r.img_per_s = static_cast<double>(config.batch) * config.iters / r.seconds;
  r.gflop_per_iter = dcgan_iteration_flops(model, config.batch, config.g_steps) / 1e9;
  r.gflop_per_s = r.gflop_per_iter * config.iters / r.seconds;
  r.runtime = gan::runtime_info();
  r.runtime["onednn"] = kernels::onednn_info();
  r.runtime["kernels"] = config.kernels;
  r.runtime["precision"] = kernels::precision_name(precision.precision);
  r.runtime["precision_reason"] = precision.reason;
  r.precision = kernels::precision_name(precision.precision);
  return r;
}

}  // namespace dcgan::bench
