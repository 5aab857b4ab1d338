// Levelled stderr logging; cooperates with the progress bar through terminal.h.
#include "dcgan/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "dcgan/core/terminal.h"

namespace dcgan::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warning";
    case Level::kError: return "error";
    default: return "";
  }
}
}  // namespace

void set_level(Level level) { g_level = static_cast<int>(level); }
Level level() { return static_cast<Level>(g_level.load()); }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void write(Level level, const std::string& message) {
  std::string line = std::string(level_name(level)) + ": " + message + "\n";
  terminal::write_line_above_status(line);
}

}  // namespace dcgan::log
