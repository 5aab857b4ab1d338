// Run directory reader; see run_data.h.
#include "dcgan/report/run_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <regex>

#include "dcgan/core/error.h"

namespace fs = std::filesystem;

namespace dcgan::report {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

double number_or_nan(const Json& record, const std::string& field) {
  auto it = record.find(field);
  return it != record.end() && it->is_number() ? it->get<double>() : kMissing;
}

// A string field, "" when absent or of another type (a hand-edited or foreign record).
std::string string_or_empty(const Json& record, const std::string& field) {
  auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

// Keeps every column as long as the step column.
void append_step(StepColumns& columns, const Json& record) {
  const size_t row = columns.step.size();
  columns.step.push_back(number_or_nan(record, "step"));
  for (const auto& [field, value] : record.items()) {
    if (!value.is_number() || field == "step") continue;
    auto& column = columns.values[field];
    column.resize(row, kMissing);
    column.push_back(value.get<double>());
  }
  for (auto& [field, column] : columns.values) column.resize(row + 1, kMissing);
}

void truncate_steps(StepColumns& columns, double from_step) {
  const size_t keep =
      std::lower_bound(columns.step.begin(), columns.step.end(), from_step) - columns.step.begin();
  columns.step.resize(keep);
  for (auto& [field, column] : columns.values) column.resize(keep);
}

void drop_from_step(std::vector<Json>& records, double from_step) {
  records.erase(
      std::remove_if(records.begin(), records.end(),
                     [&](const Json& r) { return number_or_nan(r, "step") >= from_step; }),
      records.end());
}

// Epoch and eval records: the last one written for a step wins.
void keep_last_per_step(std::vector<Json>& records, const Json& record) {
  drop_from_step(records, number_or_nan(record, "step"));
  records.push_back(record);
}

void merge_metrics(const std::vector<Json>& lines, RunData& run) {
  for (const Json& record : lines) {
    if (!record.is_object()) continue;
    const std::string kind = string_or_empty(record, "kind");
    const double step = number_or_nan(record, "step");
    if (std::isnan(step)) continue;
    if (kind == "step") {
      if (!run.steps.step.empty() && step <= run.steps.step.back()) {
        truncate_steps(run.steps, step);  // a resume restarted from an earlier checkpoint
        drop_from_step(run.epochs, step);
        drop_from_step(run.evals, step);
      }
      append_step(run.steps, record);
    } else if (kind == "epoch") {
      keep_last_per_step(run.epochs, record);
    } else if (kind == "eval") {
      keep_last_per_step(run.evals, record);
    }
  }
}

std::vector<SampleGrid> find_grids(const std::string& samples_dir, const std::string& prefix,
                                   const std::string& label) {
  std::vector<SampleGrid> grids;
  std::error_code ec;
  if (!fs::is_directory(samples_dir, ec)) return grids;
  const std::regex name(prefix + "([0-9]+)\\.png");
  for (const auto& entry : fs::directory_iterator(samples_dir, ec)) {
    std::smatch match;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, match, name)) continue;
    const int64_t number = std::stoll(match[1].str());
    grids.push_back({entry.path().string(), label + " " + std::to_string(number), number});
  }
  if (ec) throw IoError("cannot list " + samples_dir + ": " + ec.message());
  std::sort(grids.begin(), grids.end(),
            [](const SampleGrid& a, const SampleGrid& b) { return a.number < b.number; });
  return grids;
}

}  // namespace

const std::vector<double>& StepColumns::column(const std::string& field) const {
  static const std::vector<double> kEmpty;
  auto it = values.find(field);
  return it == values.end() ? kEmpty : it->second;
}

RunData load_run(const std::string& run_dir) {
  RunData run;
  run.run_dir = run_dir;
  const std::string config_path = run_dir + "/config.json";
  const std::string metrics_path = run_dir + "/metrics.jsonl";
  const std::string summary_path = run_dir + "/summary.json";
  if (!fs::exists(config_path) && !fs::exists(metrics_path)) {
    throw DataError(run_dir +
                    " is not a training run folder (it has no config.json or "
                    "metrics.jsonl); pass the --out folder of `dcgan train`");
  }
  if (fs::exists(config_path)) run.config = read_json_file(config_path);
  if (fs::exists(summary_path)) run.summary = read_json_file(summary_path);
  if (fs::exists(metrics_path)) merge_metrics(read_jsonl_file(metrics_path), run);
  run.grids = find_grids(run_dir + "/samples", "epoch-", "epoch");
  if (run.grids.empty()) run.grids = find_grids(run_dir + "/samples", "step-", "step");
  return run;
}

std::vector<size_t> evenly_spaced(size_t n, size_t max_count) {
  std::vector<size_t> picked;
  if (n == 0 || max_count == 0) return picked;
  if (n <= max_count) {
    for (size_t i = 0; i < n; ++i) picked.push_back(i);
    return picked;
  }
  if (max_count == 1) return {n - 1};
  for (size_t k = 0; k < max_count; ++k) {
    const size_t i = static_cast<size_t>(std::llround(double(k) * (n - 1) / (max_count - 1)));
    if (picked.empty() || picked.back() != i) picked.push_back(i);
  }
  return picked;
}

}  // namespace dcgan::report
