// The report's tables: the run at a glance (status, epochs, steps, wall time, throughput, model,
// data, runtime, last losses) and every setting of config.json, flattened to dotted keys.
#pragma once

#include <string>

#include "dcgan/report/run_data.h"

namespace dcgan::report {

// "finished", "stopped at step N ..." or "in progress ...".
std::string run_status(const RunData& run);

std::string render_summary_table(const RunData& run);
std::string render_config_table(const RunData& run);

// "1 h 02 min 03 s", "4 min 05 s", "12.3 s".
std::string format_duration(double seconds);

}  // namespace dcgan::report
