// Helpers shared by every test: the ../shared data folder (found through $DCGAN_SHARED and
// made mandatory by DCGAN_REQUIRE_SHARED=1), temporary directories, and running the dcgan CLI.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace dcgan::testing {

// The shared data folder: $DCGAN_SHARED, else <repo>/../shared; nullopt when absent.
std::optional<std::string> shared_dir();
// True when DCGAN_REQUIRE_SHARED=1: a missing shared folder is then a failure, not a skip.
bool shared_required();

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

}  // namespace dcgan::testing

// Evaluates to the shared folder path, or skips (fails when required) the current test.
#define DCGAN_SHARED_OR_SKIP()                                                         \
  ({                                                                                   \
    auto dcgan_shared_ = ::dcgan::testing::shared_dir();                               \
    if (!dcgan_shared_) {                                                              \
      if (::dcgan::testing::shared_required()) {                                       \
        GTEST_FAIL() << "DCGAN_REQUIRE_SHARED=1 but the shared data folder is missing " \
                        "(set DCGAN_SHARED)";                                          \
      }                                                                                \
      GTEST_SKIP() << "shared data folder not found (set DCGAN_SHARED)";               \
    }                                                                                  \
    *dcgan_shared_;                                                                    \
  })
