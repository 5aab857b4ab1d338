// The training loop: data -> models -> iterations (train_step.h) -> run directory
// (docs/architecture.md "Run directory"): config.json, metrics.jsonl, sample grids,
// checkpoints, summary. Resumable bit-exactly on CPU; SIGINT/SIGTERM finish the current
// step, save a checkpoint and stop; a NaN/Inf loss stops with a message naming the step.
#pragma once

#include <cstdint>
#include <string>

#include "dcgan/core/json.h"
#include "dcgan/gan/dataset.h"
#include "dcgan/gan/models.h"
#include "dcgan/gan/train_step.h"

namespace dcgan::gan {

struct TrainConfig {
  DataConfig data;
  ModelConfig model;
  StepConfig step;
  std::string out_dir = "runs/anime";
  int epochs = 25;
  int batch_size = 64;
  uint64_t seed = 1;
  std::string z_dist = "uniform";  // uniform: U(-1, 1) (the recipe) | normal: N(0, 1)
  bool flip = false;               // random horizontal flips
  std::string device = "auto";
  int64_t sample_every = 0;  // extra sample grids every N steps (0 = per epoch only)
  int64_t ckpt_every = 500;  // checkpoint every N steps (and at every epoch end)
  int keep = 3;              // checkpoints kept
  int n_sample = 64;         // images in the sample grid
  int64_t eval_every = 1000; // SWD on a fixed real subset every N steps (0 = off)
  int eval_images = 1000;    // images per side for that SWD
  bool resume = false;
  int64_t max_steps = 0;  // stop (with a checkpoint) after this global step; 0 = no limit
  int threads = 0;        // intra-op threads; 0 = LibTorch's default
  bool cache = true;      // keep the decoded data set in RUN/../.dcgan-cache

  void validate() const;
  std::string to_string() const;
  Json to_json() const;
};

struct TrainSummary {
  int64_t steps = 0;          // global iterations done in total
  int64_t epochs_done = 0;    // completed epochs
  double time_s = 0;          // training wall time, summed over resumes
  double img_per_s = 0;       // mean over this invocation
  std::string last_checkpoint;
  std::string last_sample;
  bool finished = false;      // all epochs done (false when stopped by --max-steps)
};

// Runs (or resumes) training. Throws Interrupted after a clean stop on SIGINT/SIGTERM,
// TrainingDiverged on NaN/Inf, ConfigError/DataError/IoError for bad input.
TrainSummary train(const TrainConfig& config);

}  // namespace dcgan::gan
