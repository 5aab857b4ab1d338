// What the server knows of the run folder, read afresh as training writes it: the checkpoints
// on disk (listed on every call: the trainer adds and prunes them), and the metrics, config
// and summary through report::load_run, re-read only when one of those files changed and at
// most once a second, however many browsers poll. Only these files of RUN are ever opened.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/report/run_data.h"

namespace dcgan::serve {

class RunWatch {
 public:
  explicit RunWatch(std::string run_dir);

  // Step -> checkpoint file, oldest first (RUN/checkpoints/ckpt-NNNNNNNN.pt).
  std::map<int64_t, std::string> checkpoints() const;
  struct Snapshot {
    report::RunData run;
    std::string version;  // version() when it was read
  };
  // The run's metrics and settings, reloaded when a file changed (at most once a second).
  std::shared_ptr<const Snapshot> data();
  // Changes whenever metrics.jsonl, config.json or summary.json does (size and mtime).
  std::string version() const;

  // /api/run: the run's name, model, z distribution, checkpoints with their epochs, status.
  Json info(int max_images);
  // /api/curves: the report's loss and D-output charts (inline SVG) for the current metrics.
  Json curves(int max_points);

  const std::string& run_dir() const { return run_dir_; }

 private:
  std::string run_dir_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point loaded_at_;
  std::shared_ptr<const Snapshot> data_;
};

}  // namespace dcgan::serve
