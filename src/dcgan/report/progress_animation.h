// The training progression as an animated GIF: RUN/progress.gif from the epoch grids
// (samples/epoch-*.png, else samples/step-*.png), evenly spaced, each captioned with its epoch,
// the last one held longer. Small grids are enlarged (nearest neighbour) so faces stay visible.
#pragma once

#include <string>

namespace dcgan::report {

struct AnimationConfig {
  int max_frames = 24;      // grids used at most (first and last always)
  int max_side = 512;       // frames are shrunk to this many pixels on their longer side
  int min_side = 256;       // smaller grids are enlarged by a whole factor to reach this
  int delay_cs = 50;        // between frames, in 1/100 s
  int last_delay_cs = 250;  // each loop pauses on the result
  void validate() const;
  std::string to_string() const;
};

// Writes RUN/progress.gif atomically and returns its path; returns "" (and writes nothing)
// when the run has no sample grids yet. A grid that cannot be decoded is skipped with a
// warning.
std::string write_progress_animation(const std::string& run_dir,
                                     const AnimationConfig& config = {});

}  // namespace dcgan::report
