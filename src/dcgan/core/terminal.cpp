// One mutex around stderr so log lines and the progress status do not interleave.
#include "dcgan/core/terminal.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace dcgan::terminal {
namespace {
std::mutex g_mutex;
std::string g_status;  // what is currently drawn on the status line ("" when none)

void erase_status_locked() {
  if (!g_status.empty()) std::fputs("\r\033[K", stderr);
}
}  // namespace

bool stderr_is_tty() {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  return tty;
}

void write_line_above_status(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_mutex);
  erase_status_locked();
  std::fputs(line.c_str(), stderr);
  if (!g_status.empty()) std::fputs(g_status.c_str(), stderr);
  std::fflush(stderr);
}

void set_status(const std::string& status) {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fputs("\r\033[K", stderr);
  std::fputs(status.c_str(), stderr);
  std::fflush(stderr);
  g_status = status;
}

void clear_status() {
  std::lock_guard<std::mutex> lock(g_mutex);
  erase_status_locked();
  std::fflush(stderr);
  g_status.clear();
}

}  // namespace dcgan::terminal
