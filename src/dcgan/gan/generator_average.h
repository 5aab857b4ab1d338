// --ema: an exponential moving average of G's weights (Yazici et al. 2019), the generator that
// samples, evaluation, the report and `dcgan sample` use when a run keeps one. After every
// iteration each parameter moves to p + beta (p_avg - p) (StyleGAN2-ADA's lerp); beta is fixed
// (--ema DECAY) or, with --ema auto, StyleGAN2-ADA's ramp: a half-life of
// min(312.5 B, 0.05 n) images, B the images of an iteration (10/32 kimg per batch image: 20,000
// at batch 64) and n the images shown before it, beta = 0.5^(B / half-life) (0 at the start:
// the average begins as a copy), so a 1,500-iteration run averages over its last ~75
// iterations and a long one over ~310. The averaged weights never feed back into training.
// G's BatchNorm running statistics belong to the live weights; the average's are recomputed
// for its own weights before it is used (prepare()), from a fixed set of latents.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

#include "dcgan/gan/models.h"

namespace dcgan::gan {

// Checks an --ema value: off, auto, or a decay in (0, 1). Throws ConfigError naming --ema.
void validate_ema(const std::string& spec);
// True unless "off".
bool ema_enabled(const std::string& spec);
// The canonical spelling of a valid --ema value ("0.9990" -> "0.999"), so equal values compare
// equal in stored flags.
std::string normalized_ema(const std::string& spec);
// beta for the update after `images_before` images, `images_per_iteration` at a time.
double ema_decay(const std::string& spec, int64_t images_before, int64_t images_per_iteration);

class GeneratorAverage {
 public:
  // Starts as a copy of `live` (parameters and buffers). z for prepare() are drawn in
  // `z_dist` (uniform | normal) from a generator seeded by `seed`, `batch` at a time.
  GeneratorAverage(const ModelConfig& model, const std::string& spec, GeneratorBase& live,
                   const std::string& z_dist, uint64_t seed, int64_t batch);

  // One update after an iteration; `images_before` real images were shown before it.
  void update(GeneratorBase& live, int64_t images_before, int64_t images_per_iteration);
  // The average in evaluation mode, its BatchNorm statistics recomputed for its weights: the
  // mean batch statistics of 16 training-mode batches (cumulative, momentum 1/k). Only the
  // statistics change, a function of the weights alone (a resumed run computes the same).
  GeneratorBase& prepare();
  // The average as it is (for saving and loading).
  GeneratorBase& generator() { return *average_; }

 private:
  std::string spec_;
  std::shared_ptr<GeneratorBase> average_;
  torch::Tensor prepare_z_;  // (16 * batch, Z) on the CPU
  int64_t batch_;
};

// Recomputes a generator's BatchNorm running statistics as the cumulative mean of the batch
// statistics over z (N, Z), `batch` rows at a time, then leaves it in evaluation mode.
void recompute_batch_norm_statistics(GeneratorBase& generator, const torch::Tensor& z,
                                     int64_t batch);

}  // namespace dcgan::gan
