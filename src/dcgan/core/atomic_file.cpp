// POSIX implementation of atomic_write (temp file + fsync + rename + directory fsync), of the
// batch syncs (syncfs, folder fsync) and of the clean-up of a killed writer's temporaries.
#include "dcgan/core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "dcgan/core/error.h"

namespace fs = std::filesystem;

namespace dcgan {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string temp_name_for(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << path << ".tmp-" << getpid() << "-" << counter++;
  return name.str();
}

// Opens `path` read-only and runs `sync` (fsync or syncfs) on it.
void sync_path(const std::string& path, bool directory, int (*sync)(int)) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) throw IoError("cannot open " + path + " to sync it: " + errno_text());
  const int rc = sync(fd);
  const std::string why = rc == 0 ? "" : errno_text();
  ::close(fd);
  if (rc != 0) throw IoError("cannot sync " + path + ": " + why);
}

void fsync_path(const std::string& path, bool directory) { sync_path(path, directory, ::fsync); }

std::string parent_dir(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void commit(const std::string& tmp, const std::string& path, bool durable) {
  if (durable) fsync_path(tmp, false);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw IoError("cannot rename " + tmp + " to " + path + ": " + errno_text());
  }
  if (durable) fsync_path(parent_dir(path), true);
}

}  // namespace

void atomic_write_with(const std::string& path,
                       const std::function<void(const std::string& tmp_path)>& write_to,
                       bool durable) {
  const std::string tmp = temp_name_for(path);
  try {
    write_to(tmp);
    commit(tmp, path, durable);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void atomic_write(const std::string& path, std::string_view bytes, bool durable) {
  atomic_write_with(path, [&](const std::string& tmp) {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw IoError("cannot create " + tmp + ": " + errno_text());
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::string why = errno_text();
        ::close(fd);
        throw IoError("cannot write " + path + ": " + why);
      }
      done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) throw IoError("cannot close " + path + ": " + errno_text());
  }, durable);
}

void sync_file_system(const std::string& dir) { sync_path(dir, true, ::syncfs); }

int remove_stale_temporaries(const std::string& dir) {
  // temp_name_for() names them TARGET.tmp-PID-COUNTER.
  static const std::regex kTemporary(R"(.+\.tmp-(\d{1,9})-\d+)");
  int removed = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch match;
    const std::string name = it->path().filename().string();
    if (!std::regex_match(name, match, kTemporary)) continue;
    std::error_code type_error;
    if (!it->is_regular_file(type_error)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(match[1]));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno == EPERM) continue;  // its writer may still run
    std::error_code ignored;
    if (fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

void sync_dir(const std::string& dir) { fsync_path(dir, true); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path + ": " + errno_text());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw IoError("error while reading " + path);
  return buffer.str();
}

void ensure_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create directory " + dir + ": " + ec.message());
}

}  // namespace dcgan
