// Generating from a trained run: load G (and D for ranking) from a run's latest checkpoint or
// a given file, then grids, single images, interpolation strips, per-dimension sweeps
// (the recipe's visualize option 1), latent-walk GIFs, and the top-k of N ranked by D.
// G runs in inference mode (BN running statistics), unlike the blog-era recipe, whose
// batch-statistics sampling made test images look different from training samples. A run
// trained with --ema samples from its averaged generator unless asked for the raw one.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/gan/models.h"

namespace dcgan::gan {

struct LoadedModel {
  ModelConfig model;
  std::string z_dist = "uniform";
  std::string checkpoint;
  std::shared_ptr<GeneratorBase> generator;  // the averaged one when `averaged`
  std::shared_ptr<DiscriminatorBase> discriminator;
  bool averaged = false;  // the checkpoint's --ema average was loaded into `generator`
  torch::Device device = torch::kCPU;
};

// Loads from `checkpoint`, or from the newest checkpoint of `run_dir` when it is empty. The
// z distribution comes from RUN/config.json when present. The generator is the checkpoint's
// averaged one (--ema) when it holds one, unless `raw_generator`. Throws DataError/IoError
// naming the file, or DataError when the run has no checkpoint yet.
LoadedModel load_for_sampling(const std::string& run_dir, const std::string& checkpoint,
                              const std::string& device = "auto", bool raw_generator = false);

// z for `n` images from `seed`, in the run's z distribution: (n, Z).
torch::Tensor sample_latents(const LoadedModel& loaded, int64_t n, uint64_t seed);
// Latents written as JSON (`dcgan serve`'s z download, `dcgan sample --z`): {"z": [[...], ...]}
// for several or {"z": [...]} for one, each of z_dim finite numbers, as float32 (n, Z). Throws
// DataError naming `source` and what is wrong.
torch::Tensor latents_from_json(const Json& json, int64_t z_dim, const std::string& source);
// G(z) as uint8 images (n, C, S, S), computed in batches of `batch`.
torch::Tensor generate(const LoadedModel& loaded, const torch::Tensor& z, int64_t batch = 256);
// D's logits for uint8 images (n), used to rank samples.
torch::Tensor score(const LoadedModel& loaded, const torch::Tensor& images_uint8);

struct SampleConfig {
  std::string run_dir;
  std::string checkpoint;
  std::string device = "auto";
  uint64_t seed = 0;
  int n = 64;
  std::string z_file;                 // --grid/--out-dir images of these latents, not --seed/--n
  std::string grid;                   // write a grid of n images here
  std::string out_dir;                // write n single images here (sample-NNNNN.png)
  std::vector<uint64_t> interpolate;  // two seeds: write a strip between their z
  int steps = 10;                     // interpolation points (strip length / frames per leg)
  std::string strip;                  // where the interpolation strip goes
  std::string sweep_dir;              // one grid per z dimension (sweep-dim-NNN.png)
  std::string gif;                    // latent-walk animation
  int top_k = 0;  // --grid/--out-dir show the top_k of `from` images ranked by D
  int from = 0;
  bool raw_g = false;  // G as trained, not its --ema average

  void validate() const;
  std::string to_string() const;
};

// Runs every output the config asks for; returns the paths written.
std::vector<std::string> run_sampling(const SampleConfig& config);

}  // namespace dcgan::gan
