// Levelled logging to stderr. The level is checked before the message is built, so a
// disabled DCGAN_DEBUG(...) costs one comparison. Messages use ostream syntax:
//   DCGAN_INFO("read " << n << " images from " << dir);
#pragma once

#include <sstream>
#include <string>

namespace dcgan::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

void set_level(Level level);
Level level();
bool enabled(Level level);
// Writes one line "[LEVEL] message" to stderr; the progress bar's line is cleared first.
void write(Level level, const std::string& message);

}  // namespace dcgan::log

#define DCGAN_LOG_AT(lvl, stream_expr)                       \
  do {                                                       \
    if (::dcgan::log::enabled(lvl)) {                        \
      std::ostringstream dcgan_log_stream_;                  \
      dcgan_log_stream_ << stream_expr;                      \
      ::dcgan::log::write(lvl, dcgan_log_stream_.str());     \
    }                                                        \
  } while (0)

#define DCGAN_DEBUG(x) DCGAN_LOG_AT(::dcgan::log::Level::kDebug, x)
#define DCGAN_INFO(x) DCGAN_LOG_AT(::dcgan::log::Level::kInfo, x)
#define DCGAN_WARN(x) DCGAN_LOG_AT(::dcgan::log::Level::kWarn, x)
#define DCGAN_ERROR(x) DCGAN_LOG_AT(::dcgan::log::Level::kError, x)
