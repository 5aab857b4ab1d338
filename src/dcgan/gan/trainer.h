// The training loop: data -> models -> iterations (train_step.h) -> run directory
// (docs/architecture.md "Run directory"): config.json, metrics.jsonl, sample grids,
// checkpoints, summary. Resumable bit-exactly on CPU with the same thread count (train_config.h
// says which flags a resume may change); SIGINT/SIGTERM finish the current step, save a
// checkpoint and stop; a NaN/Inf loss or weight stops with a message naming the step, and no
// checkpoint with a NaN/Inf is ever written.
#pragma once

#include <cstdint>
#include <string>

#include "dcgan/gan/train_config.h"

namespace dcgan::gan {

struct TrainSummary {
  int64_t steps = 0;        // global iterations done in total
  int64_t epochs_done = 0;  // completed epochs
  double time_s = 0;        // training wall time, summed over resumes
  double img_per_s = 0;     // mean over this invocation
  std::string last_checkpoint;
  std::string last_sample;
  bool finished = false;  // all epochs done (false when stopped by --max-steps)
};

// Runs (or resumes) training. Every flag is checked before any data is read. Throws Interrupted
// after a clean stop on SIGINT/SIGTERM, TrainingDiverged on NaN/Inf, ConfigError/DataError/
// IoError for bad input; DataError when --resume finds checkpoints but none is readable.
TrainSummary train(const TrainConfig& config);

}  // namespace dcgan::gan
