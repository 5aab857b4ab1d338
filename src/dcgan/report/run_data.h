// Reads a run directory (docs/architecture.md, "Run directory") into memory for the report and
// the animation: config.json, summary.json, metrics.jsonl (step records as columns, epoch and
// eval records as JSON) and the sample grids on disk. Works on a run still training: missing
// files are empty, a torn last metrics line is ignored. Decodes no images.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dcgan/core/json.h"

namespace dcgan::report {

// The numeric fields of `step` records, one column per field, in step order. A missing field
// is NaN in its column.
struct StepColumns {
  std::vector<double> step;
  std::map<std::string, std::vector<double>> values;
  const std::vector<double>& column(const std::string& field) const;
  size_t size() const { return step.size(); }
};

struct SampleGrid {
  std::string path;   // absolute or relative to the current directory
  std::string label;  // "epoch 12" or "step 4000"
  int64_t number = 0;
};

struct RunData {
  std::string run_dir;
  Json config;   // null until config.json exists
  Json summary;  // null until summary.json exists
  StepColumns steps;
  std::vector<Json> epochs;       // `epoch` records, by step
  std::vector<Json> evals;        // `eval` records, by step
  std::vector<SampleGrid> grids;  // samples/epoch-*.png by epoch, else samples/step-*.png
};

// Throws DataError when `run_dir` has neither config.json nor metrics.jsonl (not a run), IoError
// when it cannot be read. A resumed run's metrics are merged: a step record whose step is not
// after the previous one starts over from that step, dropping every older record at or after it.
RunData load_run(const std::string& run_dir);

// Up to `max_count` indices of 0..n-1, evenly spaced, always including the first and the last.
std::vector<size_t> evenly_spaced(size_t n, size_t max_count);

}  // namespace dcgan::report
