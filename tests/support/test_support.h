// Helpers shared by every test: the ../shared data folder (found through $DCGAN_SHARED and
// made mandatory by DCGAN_REQUIRE_SHARED=1), system packages the tests read (made mandatory by
// DCGAN_REQUIRE_DEPS=1), temporary directories, and running the dcgan CLI, in the foreground or
// as a child process that a test can signal.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dcgan::testing {

// The shared data folder ($DCGAN_SHARED, else <repo>/../shared) when it holds what the tests
// read: data/anime-faces and data/anime-illustrations with images in them, and
// models/lbpcascade_animeface.xml. nullopt otherwise; shared_problem() then says why.
std::optional<std::string> shared_dir();
// "" when shared_dir() has a value, else one line naming the folder and what is missing.
std::string shared_problem();
// True when DCGAN_REQUIRE_SHARED=1: a missing shared folder is then a failure, not a skip.
bool shared_required();
// True when DCGAN_REQUIRE_DEPS=1 (`make test`, CI): a file that scripts/install-deps.sh
// installs (chromium, opencv-data) is then a failure when missing, not a skip.
bool deps_required();
// True when `path` exists (a file or a folder).
bool installed(const std::string& path);

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `dcgan <args>` through the shell and captures its output.
CommandResult run_dcgan(const std::string& args);
// Runs any shell command and captures its output.
CommandResult run_command(const std::string& command);
// `text` quoted for the shell (single quotes).
std::string shell_quote(const std::string& text);

// A program running in the background with stdout and stderr going to `log_path`. Every wait
// has a deadline; a child still running when the object goes away (a failed assertion, a
// missed deadline) is killed with SIGKILL and reaped, so no test leaves one behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Polls `ready` every few milliseconds: true once it holds (checked a last time when the
  // child exits); false when it never does, or `timeout` passes (the child is then killed).
  bool wait_until(const std::function<bool()>& ready, std::chrono::seconds timeout);
  void send(int signal_number);
  // SIGSTOP, then waits (at most `timeout`) until the child has stopped, so that what it has
  // written so far can be read without racing it. False when it exited first or never stopped.
  bool pause(std::chrono::seconds timeout);
  void resume();  // SIGCONT
  // The exit code (128 + N when killed by signal N), waiting at most `timeout`; nullopt when it
  // is still running then (it is then killed).
  std::optional<int> wait_exit(std::chrono::seconds timeout);
  std::string log() const;

 private:
  bool reap(bool block);  // true when the child has been reaped (exit_code_ set)
  void kill_now();

  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// `dcgan args...` as a ChildProcess.
std::vector<std::string> dcgan_argv(const std::vector<std::string>& args);

// The PID of a process that has ended and been reaped: it runs nothing (for the temporaries
// NAME.tmp-PID-N a killed writer leaves).
pid_t dead_pid();

}  // namespace dcgan::testing

// Evaluates to the shared folder path, or skips (fails when required) the current test.
#define DCGAN_SHARED_OR_SKIP()                                                               \
  ({                                                                                         \
    auto dcgan_shared_ = ::dcgan::testing::shared_dir();                                     \
    if (!dcgan_shared_) {                                                                    \
      if (::dcgan::testing::shared_required()) {                                             \
        GTEST_FAIL() << "DCGAN_REQUIRE_SHARED=1 but " << ::dcgan::testing::shared_problem(); \
      }                                                                                      \
      GTEST_SKIP() << ::dcgan::testing::shared_problem();                                    \
    }                                                                                        \
    *dcgan_shared_;                                                                          \
  })

// Skips the current test when `path` (installed by the system package `package`) is missing,
// or fails it when DCGAN_REQUIRE_DEPS=1.
#define DCGAN_INSTALLED_OR_SKIP(path, package)                                                \
  do {                                                                                        \
    const std::string dcgan_path_ = (path);                                                   \
    if (!::dcgan::testing::installed(dcgan_path_)) {                                          \
      if (::dcgan::testing::deps_required()) {                                                \
        GTEST_FAIL() << "DCGAN_REQUIRE_DEPS=1 but " << dcgan_path_ << " is missing (install " \
                     << (package) << ": scripts/install-deps.sh)";                            \
      }                                                                                       \
      GTEST_SKIP() << dcgan_path_ << " is missing (install " << (package)                     \
                   << ": scripts/install-deps.sh)";                                           \
    }                                                                                         \
  } while (false)
