// `dcgan eval`'s report: loads a real and a generated image set, computes SWD (with the
// real-vs-real floor beside it), MS-SSIM diversity of both sets and the memorisation check, and
// turns them into a readable table, a JSON report and a nearest-neighbour grid. The metrics
// themselves are swd.h, ms_ssim.h and nearest.h; generating a run's images is gan/eval_run.h.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::metrics {

struct EvalConfig {
  std::string real_dir;          // --real: the real (training) images
  std::string fake_dir;          // --fake: generated images; or
  std::string run_dir;           // --run: generate them from this run's latest checkpoint
  std::string checkpoint;        // --checkpoint: with --run, this checkpoint file instead
  int64_t n = 10000;             // --n: images per set; the real folder gives up to 2n (two halves)
  int size = 0;                  // --size: common side; 0 = the generated images' side
  uint64_t seed = 1;             // --seed: patches, directions, pairs, generation
  int64_t ms_ssim_pairs = 5000;  // --ms-ssim-pairs: at most this many pairs per set
  int nearest_queries = 16;      // --nearest: generated images checked for memorisation
  int nearest_k = 5;             // --nearest-k: training neighbours shown per image
  std::string json_path;         // --json: report file ("" = none)
  std::string grid_path;         // --grid: nearest grid ("" = beside --json, else none)
  std::string device = "auto";   // --device: where the generator runs (with --run)

  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
  Json to_json() const;
  // The grid file actually written: grid_path, else <json stem>-nearest.png, else "".
  std::string resolved_grid_path() const;
};

// Everything computed, in the JSON report's layout (docs/architecture.md "dcgan eval").
struct EvalReport {
  Json json;
  std::vector<std::string> skipped;  // "path: reason" for undecodable input files
};

// The images compared with the real ones.
struct GeneratedImages {
  torch::Tensor images;    // (N, C, S, S) uint8 RGB
  std::string checkpoint;  // the checkpoint they came from ("" for a folder)
};

// Loads the real set (and the --fake folder unless `generated` is given: the caller generates a
// run's images, gan/eval_run.h), computes every metric, writes the grid and the JSON report
// (atomically). With --run, `generated` is required.
EvalReport run_eval(const EvalConfig& config,
                    const std::optional<GeneratedImages>& generated = std::nullopt);

// The readable summary of a report.
std::string format_eval_table(const Json& report);

}  // namespace dcgan::metrics
