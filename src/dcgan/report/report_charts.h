// The report's chart sections, built from a run's metrics: losses, D(x) and D(G(z)) with the
// 0.5 equilibrium line, SWD per evaluation (when recorded) and throughput. HTML fragments with
// inline SVG; the colours are fixed so a reader (and the browser test) can find each curve.
#pragma once

#include <string>

#include "dcgan/report/run_data.h"

namespace dcgan::report {

inline constexpr const char* kColourLossDReal = "#1f77b4";
inline constexpr const char* kColourLossDFake = "#ff7f0e";
inline constexpr const char* kColourLossG = "#2ca02c";
inline constexpr const char* kColourDReal = "#9467bd";
inline constexpr const char* kColourDFake = "#d62728";
inline constexpr const char* kColourSwd = "#8c564b";
inline constexpr const char* kColourThroughput = "#17becf";

// Each returns a <section>; `max_points` per curve (bucket-decimated beyond it).
std::string render_losses_section(const RunData& run, int max_points);
std::string render_d_outputs_section(const RunData& run, int max_points);
std::string render_swd_section(const RunData& run, int max_points);  // "" without evals
std::string render_throughput_section(const RunData& run, int max_points);

}  // namespace dcgan::report
