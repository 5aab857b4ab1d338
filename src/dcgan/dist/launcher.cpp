// See launcher.h. One pipe per rank carries its stdout and stderr; the launcher reads them with
// poll() and writes whole lines, prefixed, so ranks' lines never interleave mid-line.
#include "dcgan/dist/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"

namespace dcgan::dist {
namespace {

struct Rank {
  pid_t pid = -1;
  int output = -1;      // read end of its stdout/stderr pipe; -1 once closed
  std::string pending;  // a line not yet ended
  int status = 0;
  bool exited = false;
};

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Writes every complete line of `rank.pending` (all of it when `flush`), prefixed.
void emit_lines(int index, Rank& rank, bool flush) {
  const std::string prefix = "[rank " + std::to_string(index) + "] ";
  size_t start = 0;
  for (size_t nl; (nl = rank.pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    write_all(STDERR_FILENO, prefix + rank.pending.substr(start, nl + 1 - start));
  }
  rank.pending.erase(0, start);
  if (flush && !rank.pending.empty()) {
    write_all(STDERR_FILENO, prefix + rank.pending + "\n");
    rank.pending.clear();
  }
}

pid_t start_rank(int index, int nproc, int port, const std::string& program,
                 const std::vector<std::string>& args, int* output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw IoError("cannot create a pipe for rank " + std::to_string(index) + ": " +
                  std::strerror(errno));
  }
  // Everything the child needs is built before fork(): between fork and exec a multi-threaded
  // process may only make async-signal-safe calls (no allocation, no setenv).
  std::vector<std::string> argv_text;
  argv_text.push_back(program);
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    const bool replaced = name == "WORLD_SIZE" || name == "RANK" || name == "LOCAL_RANK" ||
                          name == "MASTER_ADDR" || name == "MASTER_PORT" ||
                          name.rfind("SLURM_", 0) == 0;
    if (!replaced) env_text.push_back(entry);
  }
  env_text.push_back("WORLD_SIZE=" + std::to_string(nproc));
  env_text.push_back("RANK=" + std::to_string(index));
  env_text.push_back("LOCAL_RANK=" + std::to_string(index));
  env_text.push_back("MASTER_ADDR=127.0.0.1");
  env_text.push_back("MASTER_PORT=" + std::to_string(port));
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  static const char kExecFailed[] = "dcgan: cannot run the rank's program\n";
  const pid_t launcher = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw IoError("cannot start rank " + std::to_string(index) + ": " + std::strerror(errno));
  }
  if (pid == 0) {  // the rank: its own process group, output into the pipe
    ::setpgid(0, 0);
    // Outside the terminal's process group, a rank would outlive a launcher killed without a
    // chance to forward anything (SIGKILL): it then gets SIGTERM, saves and stops.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != launcher) ::_exit(128 + SIGTERM);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execve(program.c_str(), argv.data(), envp.data());
    (void)!::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  *output = fds[0];
  return pid;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw IoError(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw IoError(std::string("cannot find a free loopback port: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

std::string own_program() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw IoError(std::string("cannot read /proc/self/exe: ") + std::strerror(errno));
  return std::string(path, static_cast<size_t>(n));
}

std::vector<std::string> own_arguments_without(const std::string& flag) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  if (!in) throw IoError("cannot read /proc/self/cmdline");
  std::vector<std::string> all;
  for (std::string arg; std::getline(in, arg, '\0');) all.push_back(arg);
  std::vector<std::string> kept;
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i] == flag) {
      ++i;  // and its value
    } else if (all[i].rfind(flag + "=", 0) != 0) {
      kept.push_back(all[i]);
    }
  }
  return kept;
}

std::string describe_rank_statuses(const std::vector<int>& statuses) {
  std::map<int, std::vector<int>, std::greater<int>> by_status;  // the worst first
  for (size_t r = 0; r < statuses.size(); ++r) by_status[statuses[r]].push_back(int(r));
  std::string text;
  for (const auto& [status, ranks] : by_status) {
    std::string who = ranks.size() == 1 ? "rank " : "ranks ";
    for (size_t i = 0; i < ranks.size(); ++i) who += (i > 0 ? ", " : "") + std::to_string(ranks[i]);
    // Our own exit codes stay below 128 but for 130 (stopped on SIGINT/SIGTERM).
    const bool killed = status > 128 && status != 130;
    const std::string what = killed ? (ranks.size() == 1 ? " was" : " were") +
                                          std::string(" killed by signal ") +
                                          std::to_string(status - 128)
                                    : " exited with " + std::to_string(status);
    text += (text.empty() ? "" : ", ") + who + what;
  }
  return text;
}

int run_local_ranks(int nproc, const std::string& program, const std::vector<std::string>& args,
                    std::vector<int>* statuses) {
  require(nproc >= 1 && nproc <= 256, "--nproc must be between 1 and 256");
  const int port = free_loopback_port();
  std::vector<Rank> ranks(nproc);
  for (int i = 0; i < nproc; ++i) {
    ranks[i].pid = start_rank(i, nproc, port, program, args, &ranks[i].output);
  }
  bool forwarded = false;
  int running = nproc;
  while (running > 0) {
    if (interrupt_requested() && !forwarded) {  // once: a second signal would kill a rank
      for (const Rank& r : ranks) {
        if (!r.exited) ::kill(r.pid, SIGINT);
      }
      forwarded = true;
    }
    std::vector<pollfd> fds;
    std::vector<int> owner;
    for (int i = 0; i < nproc; ++i) {
      if (ranks[i].output >= 0) {
        fds.push_back({ranks[i].output, POLLIN, 0});
        owner.push_back(i);
      }
    }
    if (!fds.empty() && ::poll(fds.data(), fds.size(), 200) > 0) {
      for (size_t k = 0; k < fds.size(); ++k) {
        if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        Rank& r = ranks[owner[k]];
        char buffer[4096];
        const ssize_t n = ::read(r.output, buffer, sizeof buffer);
        if (n > 0) {
          r.pending.append(buffer, static_cast<size_t>(n));
          emit_lines(owner[k], r, false);
        } else if (n == 0 || errno != EINTR) {
          emit_lines(owner[k], r, true);
          ::close(r.output);
          r.output = -1;
        }
      }
    } else if (fds.empty()) {
      ::usleep(100 * 1000);
    }
    for (Rank& r : ranks) {
      if (r.exited) continue;
      int status = 0;
      if (::waitpid(r.pid, &status, WNOHANG) == r.pid) {
        r.exited = true;
        r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        --running;
      }
    }
  }
  for (int i = 0; i < nproc; ++i) {  // what the last reads left
    if (ranks[i].output >= 0) {
      char buffer[4096];
      ssize_t n;
      while ((n = ::read(ranks[i].output, buffer, sizeof buffer)) > 0) {
        ranks[i].pending.append(buffer, static_cast<size_t>(n));
      }
      emit_lines(i, ranks[i], true);
      ::close(ranks[i].output);
    }
  }
  int worst = 0;
  if (statuses != nullptr) statuses->clear();
  for (const Rank& r : ranks) {
    worst = std::max(worst, r.status);
    if (statuses != nullptr) statuses->push_back(r.status);
  }
  return worst;
}

}  // namespace dcgan::dist
