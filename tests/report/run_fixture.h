// Run folders for the report tests, in the format `dcgan train` writes (docs/architecture.md,
// "Run directory"): config.json, metrics.jsonl with step/epoch/eval records, summary.json and
// samples/epoch-NNNN.png grids. The grids tile synthetic faces (dcgan synth's), blended from
// noise towards the faces as the epochs go, or pure noise (the worst case for image size). The
// report tests check structure, sizes and pixels that they can predict, none of which needs real
// faces, so the fixture is the same on every machine. Deterministic for a seed.
#pragma once

#include <string>

namespace dcgan::testing {

struct RunFixture {
  int epochs = 4;
  int steps_per_epoch = 25;
  int grid_tiles = 16;  // faces per grid
  int tile = 32;        // face side in pixels
  bool noise_grids = false;
  bool evals = true;
  bool summary = true;  // false: as if still training
  unsigned seed = 1;
};

// Fills `run_dir` (created if needed).
void make_run(const std::string& run_dir, const RunFixture& fixture);

// Standard base64 decoding, for reading the report's data URIs back.
std::string base64_decode(const std::string& text);

}  // namespace dcgan::testing
