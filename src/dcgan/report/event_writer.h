// TensorBoard event file of a run: RUN/events.out.tfevents.<unix time>.<hostname>, starting with
// the file_version event, then scalars and images appended and flushed per call, so
// `tensorboard --logdir runs/` shows a run while it trains. One writer per process and run; a
// resumed run gets a new file (TensorBoard merges every event file of a folder).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcgan::report {

class EventWriter {
 public:
  // Creates the event file in `run_dir` (which must exist). Throws IoError naming the file.
  explicit EventWriter(const std::string& run_dir);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // `wall_time` in seconds since the Unix epoch; now when omitted.
  void add_scalar(const std::string& tag, int64_t step, double value,
                  std::optional<double> wall_time = std::nullopt);
  // Several scalars of one step in one event (smaller file than one event per scalar).
  void add_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                   std::optional<double> wall_time = std::nullopt);
  // An already encoded PNG (or JPEG); channels 1, 3 or 4.
  void add_image(const std::string& tag, int64_t step, std::string_view png_bytes, int height,
                 int width, int channels, std::optional<double> wall_time = std::nullopt);
  // Encodes an 8-bit gray, BGR or BGRA image as PNG and adds it.
  void add_image(const std::string& tag, int64_t step, const cv::Mat& image,
                 std::optional<double> wall_time = std::nullopt);

  const std::string& path() const { return path_; }

 private:
  void write_event(const std::string& event);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace dcgan::report
