// A progress display for long loops. On a terminal it redraws one status line in place
// (count/total, rate, ETA and a free-form suffix such as losses) at most 10 times a second;
// otherwise (CI logs, pipes) it prints a plain line every `plain_interval_s` seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dcgan {

class ProgressBar {
 public:
  // total == 0 means unknown (no ETA, no bar).
  ProgressBar(std::string label, int64_t total, std::string unit = "it",
              double plain_interval_s = 5.0);
  ~ProgressBar();

  // Sets the absolute count; `suffix` is shown after the rate.
  void update(int64_t done, const std::string& suffix = "");
  // Draws the final state as a normal line and releases the status line.
  void finish(const std::string& suffix = "");

  double elapsed_s() const;
  double rate() const;  // items per second since construction (or the first update)

  // Formats seconds as "1h02m", "3m05s" or "12s".
  static std::string format_duration(double seconds);
  // The text that would be drawn for the current state (used by tests and the plain mode).
  std::string render(const std::string& suffix) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  int64_t total_;
  std::string unit_;
  double plain_interval_s_;
  int64_t done_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool finished_ = false;
  bool tty_;
};

}  // namespace dcgan
