// peak_rss_launcher OUT PROGRAM ARGS...: runs PROGRAM and, once it ends, writes its peak
// resident memory in kB to OUT. It is forked from this small process so that the peak is the
// program's own: a child forked straight from the test process starts with all the parent's
// pages mapped, and the kernel keeps that peak across exec, so a large test process (a
// sanitizer build's, or one holding a server's big body) inflated every measurement. Exits
// with the program's status (128 + N for signal N); the program dies with the launcher.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: peak_rss_launcher OUT PROGRAM [ARGS...]\n");
    return 2;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // killed at the test's deadline: so is the program
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[2], argv + 2);
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0) {
  }
  if (FILE* out = std::fopen(argv[1], "w")) {
    std::fprintf(out, "%ld\n", usage.ru_maxrss);
    std::fclose(out);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
