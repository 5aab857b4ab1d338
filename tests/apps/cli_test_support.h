// Helpers for the end-to-end CLI tests: small real inputs made with `dcgan synth`, a tiny run
// trained with `dcgan train` (16-32 px, narrow nets, seconds), and reading back what the CLI
// wrote (sorted file lists, grid tiles, metrics records, one-line errors).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "support/test_support.h"

namespace dcgan::testing {

// `dcgan synth --out DIR --n N --size SIZE --seed SEED`; fails the test on a non-zero exit.
void make_synth_faces(const std::string& dir, int n, int size, int seed = 3);

// Flags of a tiny `dcgan train` run over `data` into `run` (16 px unless `size` says otherwise,
// widths 8, z 16, batch 8, one thread, no cache, quiet), before any `extra` flags.
std::string tiny_train_args(const std::string& data, const std::string& run, int size = 16);

// argv that runs `dcgan <args>` (a shell command line, as for run_dcgan) as a ChildProcess: the
// shell execs dcgan, so the child's pid is dcgan's and signals reach it.
std::vector<std::string> dcgan_shell_argv(const std::string& args);

// A test suite around one tiny run, trained once for the whole suite: its SetUpTestSuite calls
// train_suite_run; each test gets a fresh folder for its outputs (out()).
class TrainedRunSuite : public ::testing::Test {
 protected:
  // `dcgan synth` faces of `side` px into faces(), then 2 epochs of tiny_train_args into run().
  static void train_suite_run(int n_faces, int side);
  static void TearDownTestSuite() { dir_.reset(); }
  // Fails the test when the suite's run was not trained.
  void SetUp() override;

  static std::string faces() { return *dir_ / "faces"; }
  static std::string run() { return *dir_ / "run"; }
  std::string out(const std::string& name) const { return tmp_ / name; }

 private:
  static std::unique_ptr<TempDir> dir_;
  TempDir tmp_;
};

// Non-empty lines of `text`.
std::vector<std::string> lines_of(const std::string& text);

// Paths of the regular files in `dir` whose names end with `suffix`, sorted.
std::vector<std::string> files_in(const std::string& dir, const std::string& suffix);

// Tile `index` of a grid written by the sampler (write_grid: 2 px padding, row-major,
// `cols` columns of `side` px tiles).
cv::Mat grid_tile(const cv::Mat& grid, int index, int cols, int side);

// The largest absolute difference between two images of the same size and type (-1 otherwise).
double max_abs_diff(const cv::Mat& a, const cv::Mat& b);

// The records of RUN/metrics.jsonl whose "kind" is `kind`, in file order.
std::vector<Json> metrics_records(const std::string& run, const std::string& kind);

}  // namespace dcgan::testing
