// Training checkpoints: everything needed to continue a run bit-exactly on CPU — G, D (weights
// and BN statistics, D's spectral-norm vectors), G's weight average with --ema, both Adam states,
// epoch / step / images of the epoch already used, the RNG state, the fixed sample z, the wall time
// so far, the run's training flags (to refuse a resume that would change them), the oneDNN kernel
// choices, and the model config (to refuse a checkpoint of another architecture with a clear
// message). Files are written atomically and only with finite values, so kill -9 at any moment or a
// diverging step leaves the previous checkpoint intact and loadable; a checksum at the end
// catches bytes damaged later (a disk, a copy). The file format is checkpoint_file.h's.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint_file.h"
#include "dcgan/gan/models.h"
#include "dcgan/kernels/choices.h"

namespace dcgan::gan {

struct TrainingState {
  int64_t epoch = 1;         // the epoch in progress (1-based)
  int64_t epoch_images = 0;  // images of that epoch already trained on
  int64_t step = 0;          // global iterations done
  double time_s = 0;         // training wall time so far, summed over resumes
  torch::Tensor rng_state;   // the default CPU generator's state
  torch::Tensor sample_z;    // (n_sample, Z), the fixed z of the sample grids
  Json train_flags;          // TrainConfig::to_json() of the run (null in format-1 files)
  kernels::KernelChoices kernel_choices;
  // Format-1 files counted iterations of the epoch instead of images.
  std::optional<int64_t> legacy_position;
};

// A checkpoint file read whole into memory and checked to be a dcgan checkpoint.
struct OpenedCheckpoint {
  std::string path;
  CheckpointRecords records;
  ModelConfig model;
  Json train_flags;  // null when the file predates stored flags
};

// Saves to `path` atomically. Optimizers may be null (then not saved: sampling-only export);
// `g_average` (--ema's averaged G) is saved as `generator_ema` when given.
// Throws TrainingDiverged, writing nothing, when a weight, buffer or Adam moment is NaN/Inf.
void save_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                     DiscriminatorBase& d, torch::optim::Optimizer* optimizer_g,
                     torch::optim::Optimizer* optimizer_d, const TrainingState& state,
                     GeneratorBase* g_average = nullptr);

// Reads and checks a checkpoint. Throws IoError when it is missing, DataError naming the file
// when it is unreadable, truncated or not a dcgan checkpoint.
OpenedCheckpoint open_checkpoint(const std::string& path);

// Reads only the model config stored in a checkpoint. Throws DataError naming the file.
ModelConfig read_checkpoint_model(const std::string& path);

// Loads into existing models/optimizers. Throws DataError naming the file when it is corrupt or
// was written for another architecture/size (both configs are shown).
TrainingState load_checkpoint(const OpenedCheckpoint& checkpoint, const ModelConfig& model,
                              GeneratorBase& g, DiscriminatorBase* d,
                              torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d);
TrainingState load_checkpoint(const std::string& path, const ModelConfig& model, GeneratorBase& g,
                              DiscriminatorBase* d, torch::optim::Optimizer* optimizer_g,
                              torch::optim::Optimizer* optimizer_d);

// Loads the checkpoint's averaged generator (--ema) into `g`; false, leaving `g` as it was, when
// the checkpoint has none. Throws DataError naming the file when it is corrupt.
bool load_generator_average(const OpenedCheckpoint& checkpoint, GeneratorBase& g);

// "generator parameter conv1.weight" for the first tensor of the models or Adam states that
// holds NaN or Inf; "" when every value is finite.
std::string first_non_finite(torch::nn::Module& g, torch::nn::Module& d,
                             torch::optim::Optimizer* optimizer_g,
                             torch::optim::Optimizer* optimizer_d);

// RUN/checkpoints/ckpt-NNNNNNNN.pt for a global step.
std::string checkpoint_path(const std::string& run_dir, int64_t step);
// Checkpoints of a run, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);
// Deletes all but the newest `keep` checkpoints; a file that cannot be deleted is a warning.
void prune_checkpoints(const std::string& run_dir, int keep);
// Renames an unreadable checkpoint to NAME.unreadable, out of list_checkpoints()' sight, so a
// run resumed from an older one neither trips over it again nor prunes its new checkpoints in
// its favour. The file is kept for inspection.
void set_aside_unreadable_checkpoint(const std::string& path);
// Removes the temporaries that a process killed while writing a checkpoint left behind
// (ckpt-N.pt.tmp-PID-K of processes that no longer run); returns how many.
int remove_stale_checkpoint_temporaries(const std::string& run_dir);

}  // namespace dcgan::gan
