// crawl_fixture_server: serves the loopback image board of the crawl tests on 127.0.0.1 until
// SIGTERM/SIGINT, then writes the arrival time of every request (seconds, one per line) to
// --times. Prints "port N" once serving. --warm draws every file first, so that timed runs
// measure the crawler rather than the board. For bench/run_crawl.sh; not a general server.
//   crawl_fixture_server --pages 5 --per-page 40 --latency-ms 50 --times times.txt --warm
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "fixture_site.h"

int main(int argc, char** argv) {
  dcgan::crawl::fixture::FixtureOptions options;
  std::string times_path;
  bool warm = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--warm") {
      warm = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "crawl_fixture_server: " << flag << " needs a value\n";
      return 2;
    }
    const char* value = argv[i + 1];
    if (flag == "--pages") {
      options.pages = std::atoi(value);
    } else if (flag == "--per-page") {
      options.posts_per_page = std::atoi(value);
    } else if (flag == "--latency-ms") {
      options.latency_ms = std::atoi(value);
    } else if (flag == "--times") {
      times_path = value;
    } else {
      std::cerr << "crawl_fixture_server: unknown flag " << flag << "\n";
      return 2;
    }
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  dcgan::crawl::fixture::FixtureSite site(options);
  if (warm) site.warm_up();
  std::cout << "port " << site.port() << std::endl;
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  if (!times_path.empty()) {
    std::ofstream out(times_path);
    auto times = site.request_times();
    for (const auto& t : times) {
      out << std::chrono::duration<double>(t - times.front()).count() << "\n";
    }
  }
  return 0;
}
