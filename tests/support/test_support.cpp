// Test helpers; see test_support.h.
#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace dcgan::testing {
namespace {

bool env_is_one(const char* name) {
  const char* env = std::getenv(name);
  return env != nullptr && std::string(env) == "1";
}

bool has_image(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (it->is_regular_file(ec) &&
        (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp" || ext == ".bmp")) {
      return true;
    }
  }
  return false;
}

struct SharedLookup {
  std::optional<std::string> dir;
  std::string problem;
};

SharedLookup look_for_shared() {
  const char* env = std::getenv("DCGAN_SHARED");
  const bool from_env = env != nullptr && *env != '\0';
  const fs::path dir = from_env ? fs::path(env) : fs::path(DCGAN_SOURCE_DIR) / ".." / "shared";
  const std::string where = "the shared data folder " + dir.lexically_normal().string() +
                            (from_env ? " ($DCGAN_SHARED)" : " (set DCGAN_SHARED)");
  if (!fs::is_directory(dir)) return {std::nullopt, where + " does not exist"};
  std::vector<std::string> missing;
  for (const char* images : {"data/anime-faces", "data/anime-illustrations"}) {
    if (!has_image(dir / images)) missing.push_back(std::string(images) + " (no images)");
  }
  if (!fs::is_regular_file(dir / "models/lbpcascade_animeface.xml")) {
    missing.push_back("models/lbpcascade_animeface.xml");
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return {std::nullopt, where + " lacks " + list};
  }
  return {fs::canonical(dir).string(), ""};
}

// Looked up once per process: the checks list a folder of 20,000 faces.
const SharedLookup& shared_lookup() {
  static const SharedLookup lookup = look_for_shared();
  return lookup;
}

}  // namespace

std::optional<std::string> shared_dir() { return shared_lookup().dir; }

std::string shared_problem() { return shared_lookup().problem; }

bool shared_required() { return env_is_one("DCGAN_REQUIRE_SHARED"); }

bool deps_required() { return env_is_one("DCGAN_REQUIRE_DEPS"); }

bool installed(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
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
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult run_dcgan(const std::string& args) {
  return run_command(std::string("'") + DCGAN_BINARY + "' " + args);
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid_ < 0) ADD_FAILURE() << "fork failed for " << argv.front();
}

ChildProcess::~ChildProcess() { kill_now(); }

bool ChildProcess::reap(bool block) {
  if (exit_code_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

void ChildProcess::kill_now() {
  if (pid_ <= 0 || reap(false)) return;
  ::kill(pid_, SIGCONT);  // a stopped child must run to die
  ::kill(pid_, SIGKILL);
  reap(true);
}

bool ChildProcess::wait_until(const std::function<bool()>& ready, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    if (reap(false)) return ready();  // exited: whatever it left is final
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_now();
  return false;
}

void ChildProcess::send(int signal_number) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal_number);
}

bool ChildProcess::pause(std::chrono::seconds timeout) {
  if (pid_ <= 0 || reap(false)) return false;
  ::kill(pid_, SIGSTOP);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WUNTRACED | WNOHANG);
    if (r == pid_ && WIFSTOPPED(status)) return true;
    if (r == pid_) {  // exited before the stop took effect
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill_now();
  return false;
}

void ChildProcess::resume() { send(SIGCONT); }

std::optional<int> ChildProcess::wait_exit(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_now();
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

std::string ChildProcess::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> dcgan_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DCGAN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace dcgan::testing
