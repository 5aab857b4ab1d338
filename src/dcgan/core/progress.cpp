// ProgressBar: see progress.h.
#include "dcgan/core/progress.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "dcgan/core/log.h"
#include "dcgan/core/terminal.h"

namespace dcgan {

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit,
                         double plain_interval_s)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      plain_interval_s_(plain_interval_s),
      start_(Clock::now()),
      last_draw_(Clock::now()),
      tty_(terminal::stderr_is_tty()) {}

ProgressBar::~ProgressBar() {
  if (!finished_ && tty_) terminal::clear_status();
}

double ProgressBar::elapsed_s() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double ProgressBar::rate() const {
  double t = elapsed_s();
  return t > 0 ? static_cast<double>(done_) / t : 0.0;
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  }
  return buffer;
}

std::string ProgressBar::render(const std::string& suffix) const {
  std::ostringstream out;
  out << label_ << " ";
  if (total_ > 0) {
    constexpr int kWidth = 20;
    int filled = static_cast<int>(kWidth * std::min<double>(1.0, double(done_) / total_));
    out << "[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] ";
    out << done_ << "/" << total_;
  } else {
    out << done_;
  }
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, " %.1f %s/s", rate(), unit_.c_str());
  out << rate_text;
  if (total_ > 0) {
    double r = rate();
    out << " ETA " << (r > 0 ? format_duration((total_ - done_) / r) : std::string("?"));
  }
  if (!suffix.empty()) out << "  " << suffix;
  return out.str();
}

void ProgressBar::update(int64_t done, const std::string& suffix) {
  done_ = done;
  if (log::level() > log::Level::kInfo) return;
  auto now = Clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (tty_) {
    if (since < 0.1) return;
    terminal::set_status(render(suffix));
  } else {
    if (since < plain_interval_s_) return;
    terminal::write_line_above_status(render(suffix) + "\n");
  }
  last_draw_ = now;
}

void ProgressBar::finish(const std::string& suffix) {
  if (finished_) return;
  finished_ = true;
  if (tty_) terminal::clear_status();
  if (log::level() <= log::Level::kInfo) {
    terminal::write_line_above_status(render(suffix) + " in " + format_duration(elapsed_s()) +
                                      "\n");
  }
}

}  // namespace dcgan
