// The run report: one self-contained HTML file (inline CSS, SVG and a few lines of inline
// script; images as data URIs; nothing fetched) with the run's status, throughput and wall
// time, loss and D(x)/D(G(z)) curves, SWD when evaluated, the final sample grid, a slider over
// the epoch grids, the progress animation when it fits and the config table. Works on a run
// still training. Does not train, evaluate or write progress.gif (see progress_animation.h).
#pragma once

#include <cstdint>
#include <string>

namespace dcgan::report {

struct ReportConfig {
  std::string run_dir;
  std::string out_path;         // empty: RUN/report.html
  int max_points = 2000;        // per curve; longer curves are bucket-decimated
  int max_grids = 60;           // epoch grids on the slider (evenly spaced, last included)
  int64_t max_bytes = 9500000;  // size budget of the page; grids and the GIF give way first
  void validate() const;
  std::string to_string() const;
  std::string resolved_out_path() const;
};

// Writes the report atomically; returns its path. Throws DataError when RUN is not a run.
std::string write_run_report(const ReportConfig& config);
// Default settings, RUN/report.html unless `out_path` is given.
std::string write_run_report(const std::string& run_dir, const std::string& out_path = "");

}  // namespace dcgan::report
