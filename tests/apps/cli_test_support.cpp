// CLI test helpers; see cli_test_support.h.
#include "apps/cli_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace dcgan::testing {

void make_synth_faces(const std::string& dir, int n, int size, int seed) {
  const CommandResult r =
      run_dcgan("-q synth --out " + shell_quote(dir) + " --n " + std::to_string(n) + " --size " +
                std::to_string(size) + " --seed " + std::to_string(seed));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

std::string tiny_train_args(const std::string& data, const std::string& run, int size) {
  return "-q train --data " + shell_quote(data) + " --out " + shell_quote(run) + " --output-size " +
         std::to_string(size) +
         " --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8 --threads 1 --no-cache --seed 5";
}

std::vector<std::string> dcgan_shell_argv(const std::string& args) {
  return {"/bin/sh", "-c", "exec " + shell_quote(DCGAN_BINARY) + " " + args};
}

std::unique_ptr<TempDir> TrainedRunSuite::dir_;

void TrainedRunSuite::train_suite_run(int n_faces, int side) {
  dir_ = std::make_unique<TempDir>();
  make_synth_faces(faces(), n_faces, side);
  const CommandResult r =
      run_dcgan(tiny_train_args(faces(), run(), side) + " --epochs 2 --eval-every 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

void TrainedRunSuite::SetUp() {
  ASSERT_TRUE(dir_ && fs::is_directory(run() + "/checkpoints") &&
              !fs::is_empty(run() + "/checkpoints"))
      << "training the suite's run failed";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> files_in(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

cv::Mat grid_tile(const cv::Mat& grid, int index, int cols, int side) {
  const int step = side + 2;
  return grid(cv::Rect(2 + (index % cols) * step, 2 + (index / cols) * step, side, side)).clone();
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return -1;
  return cv::norm(a, b, cv::NORM_INF);
}

std::vector<Json> metrics_records(const std::string& run, const std::string& kind) {
  std::vector<Json> records;
  for (const Json& r : read_jsonl_file(run + "/metrics.jsonl")) {
    if (r.value("kind", "") == kind) records.push_back(r);
  }
  return records;
}

}  // namespace dcgan::testing
