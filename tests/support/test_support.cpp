// Test helpers; see test_support.h.
#include "support/test_support.h"

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <unistd.h>

namespace fs = std::filesystem;

namespace dcgan::testing {

std::optional<std::string> shared_dir() {
  const char* env = std::getenv("DCGAN_SHARED");
  fs::path dir = env != nullptr && *env != '\0' ? fs::path(env)
                                                : fs::path(DCGAN_SOURCE_DIR) / ".." / "shared";
  if (!fs::is_directory(dir)) return std::nullopt;
  return fs::canonical(dir).string();
}

bool shared_required() {
  const char* env = std::getenv("DCGAN_REQUIRE_SHARED");
  return env != nullptr && std::string(env) == "1";
}

TempDir::TempDir() {
  const char* base_env = std::getenv("DCGAN_TEST_TMP");
  fs::path base = base_env != nullptr ? fs::path(base_env) : fs::temp_directory_path();
  fs::create_directories(base);
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = (base / ("t-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
                   std::to_string(rd() % 100000)))
              .string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult run_dcgan(const std::string& args) {
  return run_command(std::string("'") + DCGAN_BINARY + "' " + args);
}

}  // namespace dcgan::testing
