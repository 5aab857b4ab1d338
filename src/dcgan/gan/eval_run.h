// `dcgan eval` as a command: with --run, the run's generator makes the images first (seeded by
// --seed, from its newest checkpoint or --checkpoint); then the metrics report compares them
// with the real set (metrics/eval_report.h) and the table is printed.
#pragma once

#include <ostream>

#include "dcgan/metrics/eval_report.h"

namespace dcgan::gan {

// --n images from the run's generator (RGB: a grayscale generator's images are tiled to three
// channels). Throws ConfigError when --size disagrees with the generator's side.
metrics::GeneratedImages generate_for_eval(const metrics::EvalConfig& config);

// metrics::run_eval (generating first with --run), then the table on `out`; throws PartialFailure
// (after writing everything) when some input files could not be decoded.
void run_eval_command(const metrics::EvalConfig& config, std::ostream& out);

}  // namespace dcgan::gan
