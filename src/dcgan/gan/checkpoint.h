// Training checkpoints: everything needed to continue a run bit-exactly on CPU — G, D (weights
// and BN statistics), both Adam states, epoch / step / position in the epoch, the RNG state,
// the fixed sample z, the wall time so far, and the model config (to refuse a checkpoint of
// another architecture with a clear message). Files are written atomically, so kill -9 at any
// moment leaves the previous checkpoint intact and loadable.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "dcgan/gan/models.h"

namespace dcgan::gan {

struct TrainingState {
  int64_t epoch = 1;     // the epoch in progress (1-based)
  int64_t position = 0;  // iterations of that epoch already done
  int64_t step = 0;      // global iterations done
  double time_s = 0;     // training wall time so far, summed over resumes
  torch::Tensor rng_state;  // the default CPU generator's state
  torch::Tensor sample_z;   // (n_sample, Z), the fixed z of the sample grids
};

// Saves to `path` atomically. Optimizers may be null (then not saved: sampling-only export).
void save_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                     DiscriminatorBase& d, torch::optim::Optimizer* optimizer_g,
                     torch::optim::Optimizer* optimizer_d, const TrainingState& state);

// Reads only the model config stored in a checkpoint. Throws DataError naming the file.
ModelConfig read_checkpoint_model(const std::string& path);

// Loads into existing models/optimizers. Throws DataError naming the file when it is corrupt or
// was written for another architecture/size (both configs are shown).
TrainingState load_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                              DiscriminatorBase* d, torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d);

// RUN/checkpoints/ckpt-NNNNNNNN.pt for a global step.
std::string checkpoint_path(const std::string& run_dir, int64_t step);
// Checkpoints of a run, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);
// Deletes all but the newest `keep` checkpoints.
void prune_checkpoints(const std::string& run_dir, int keep);

}  // namespace dcgan::gan
