// The flags of `dcgan train` as one struct, its JSON form (config.json and every checkpoint
// store it), and what --resume does with them: the run's stored flags fill every flag the
// command does not give, and a given flag that would change the computation is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "dcgan/core/json.h"
#include "dcgan/data/image_set.h"
#include "dcgan/gan/data_parallel.h"
#include "dcgan/gan/models.h"
#include "dcgan/gan/train_step.h"

namespace dcgan::gan {

struct TrainConfig {
  data::DataConfig data;
  ModelConfig model;
  StepConfig step;
  // Data-parallel training (--dist-backend, --dist-master, --dist-timeout, --sync-bn); the job
  // itself comes from the launcher's environment. --batch-size stays per rank.
  DataParallelConfig dist;
  std::string out_dir = "runs/anime";
  int epochs = 25;
  int batch_size = 64;
  uint64_t seed = 1;
  std::string z_dist = "uniform";  // uniform: U(-1, 1) (the recipe) | normal: N(0, 1)
  bool flip = false;               // random horizontal flips
  std::string ema = "off";         // off | auto | DECAY: G's weight average (generator_average.h)
  // The preset the quality options came from (recipe | quality; apply_preset()); a record: the
  // options themselves are the fields above and in `model` and `step`.
  std::string preset = "recipe";
  std::string device = "auto";
  int64_t sample_every = 0;   // extra sample grids every N steps (0 = per epoch only)
  int64_t ckpt_every = 500;   // checkpoint every N steps (and at every epoch end)
  int keep = 3;               // checkpoints kept
  int n_sample = 64;          // images in the sample grid
  int64_t eval_every = 1000;  // SWD on a fixed real subset every N steps (0 = off)
  int eval_images = 1000;     // images per side for that SWD
  bool resume = false;
  int64_t max_steps = 0;  // stop (with a checkpoint) after this global step; 0 = no limit
  // Stop (with a checkpoint, a grid and the report) at the first iteration boundary after this
  // invocation has trained this many seconds: iterations only, as time_s in metrics.jsonl
  // counts (loading, sampling, evaluation and checkpoints are not); 0 = no limit.
  double max_time_s = 0;
  int threads = 0;  // compute threads; 0 = OMP_NUM_THREADS if set, else every core
  // fp32 | bf16 | auto: what the fast layers multiply in (kernels/precision.h); config.json
  // records what ran and why.
  std::string precision = "fp32";
  bool cache = true;  // keep the decoded data set in RUN/../.dcgan-cache
  // The flags named on the command line ("--lr", ...). On --resume the others take the run's
  // stored values. nullopt (library callers): every field counts as given.
  std::optional<std::set<std::string>> flags_given;

  void validate() const;
  // Spells --augment and --ema canonically (equal values compare equal on --resume); throws
  // ConfigError for values that cannot be read.
  void normalize();
  std::string to_string() const;
  // The training flags (not flags_given, resume or cache), as stored in runs and checkpoints.
  Json to_json() const;
  // Reads what to_json() wrote; fields it lacks keep their defaults.
  static TrainConfig from_json(const Json& json);
};

// --resume: `config` continues a run whose checkpoint `checkpoint` stored `stored` (its
// to_json()). Every flag `config` does not give takes the stored value (--max-steps excepted:
// it bounds one invocation). A given flag that changes the computation (data, model, losses,
// optimiser, batch, seed, ...) and differs from the stored value throws ConfigError naming each
// such flag and its stored value. Flags that do not change it may differ: --epochs,
// --max-steps, --threads, --device, --data (a moved folder), the sampling, checkpoint and
// evaluation cadences, and --precision (the run is then no longer bit-exact).
void apply_stored_flags(TrainConfig& config, const Json& stored, const std::string& checkpoint);

// --preset: sets the options the preset names (batch size, precision, EMA, mbstd, loss, learning
// rates, DiffAugment, spectral norm, R1) to its values, except those config.flags_given holds
// (explicit flags win; --lr counts for --lr-g and --lr-d), marks the ones it set as given, and
// records the name.
// "recipe" is every option off (the defaults); "quality" is the combination that measured
// best at a 15-minute budget (docs/architecture.md "Quality options"). Throws ConfigError for
// another name.
void apply_preset(TrainConfig& config, const std::string& name);

// "90s", "15m", "2h", "1h30m", "0.5h" or plain seconds ("600") -> seconds. Throws ConfigError
// naming `flag` for anything else.
double parse_duration(const std::string& text, const std::string& flag);

}  // namespace dcgan::gan
