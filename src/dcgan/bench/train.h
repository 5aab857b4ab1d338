// `dcgan bench train`: times the recipe's training iteration (gan::GanStep: one D step, g_steps G
// steps) on real or synthetic images and converts it to img/s and achieved GFLOP/s with an
// exact count of the convolution/linear multiply-adds the iteration needs. It measures only;
// it does not train anything worth keeping.
#pragma once

#include <cstdint>
#include <string>

#include "dcgan/core/json.h"
#include "dcgan/gan/models.h"

namespace dcgan::bench {

struct BenchTrainConfig {
  int size = 48;
  int batch = 64;
  int iters = 10;
  int warmup = 2;
  int threads = 0;                 // 0 = the process default (all cores)
  int g_steps = 2;                 // the recipe runs G twice per iteration
  std::string kernels = "fast";    // fast | torch
  std::string precision = "fp32";  // fp32 | bf16 | auto (kernels/precision.h)
  std::string data_dir;            // "" = uniform noise images (speed only)
  uint64_t seed = 0;

  void validate() const;
  std::string to_string() const;
};

struct BenchTrainResult {
  double seconds = 0;  // timed iterations only
  double ms_per_iter = 0;
  double img_per_s = 0;
  double gflop_per_iter = 0;
  double gflop_per_s = 0;
  Json runtime;           // libraries, BLAS core, threads, oneDNN ISA, precision and why
  std::string precision;  // what ran: fp32 | bf16

  Json to_json() const;
};

// Multiply-add FLOPs (2 per MAC) of the DCGAN convolutions and linear layers in one training
// iteration: D step = G forward, D forward + backward on real and on fake (no input gradient
// for either image); each G step = G and D forward, D backward to the image (D's weights frozen),
// G backward (no gradient for z), less the first G step's G forward, which reuses the D step's
// (gan::GanStep). BN, activations and the optimiser are not counted.
double dcgan_iteration_flops(const gan::ModelConfig& model, int batch, int g_steps);

BenchTrainResult run_bench_train(const BenchTrainConfig& config);

}  // namespace dcgan::bench
