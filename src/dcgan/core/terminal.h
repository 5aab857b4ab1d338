// Shared stderr access for log lines and the one-line progress status, so that a log line
// never lands in the middle of a progress bar: the status is cleared, the line printed, and
// the status redrawn.
#pragma once

#include <string>

namespace dcgan::terminal {

// True when stderr is an interactive terminal (progress redraws in place).
bool stderr_is_tty();
// Prints a full line (ending in '\n'), keeping any status line below it.
void write_line_above_status(const std::string& line);
// Replaces the status line (no newline). Only used when stderr is a terminal.
void set_status(const std::string& status);
// Removes the status line, leaving the cursor at the start of an empty line.
void clear_status();

}  // namespace dcgan::terminal
