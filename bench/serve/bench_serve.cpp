// Times a running `dcgan serve` over loopback HTTP, as bench/run_serve.sh uses it:
//   grid:  GET /api/grid?n=64 (a new seed each time), one at a time: the server's own time
//          (its Server-Timing header: parameters, generation, grid, PNG encoding) and the
//          client's wall time, after `--warmup` requests (loading, kernel choice);
//   faces: GET /api/grid?n=1&pad=0 from `--clients` threads at once, each with its own
//          keep-alive connection, for `--seconds`: requests/s, latency percentiles.
//   With --server-pid, also the server process's CPU time per grid (/proc/PID/stat).
// Usage: bench_serve --port P [--grids 30] [--warmup 3] [--clients 8] [--seconds 10]
//                    [--server-pid PID]
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The milliseconds of metric `name` in "app;dur=12.34, generate;dur=10.10, ..."; -1 when absent.
double server_ms(const httplib::Result& r, const std::string& name = "app") {
  const std::string timing = ", " + r->get_header_value("Server-Timing");
  const size_t at = timing.find(", " + name + ";dur=");
  return at == std::string::npos ? -1 : std::atof(timing.c_str() + at + name.size() + 7);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// CPU milliseconds (user + system, every thread) process `pid` has used; -1 when unreadable.
// On a machine shared with other work the wall time of a request grows with the load, its CPU
// time much less: it says what the request costs.
double process_cpu_ms(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return -1;
  std::istringstream fields(stat.substr(name_end + 2));  // from field 3, the state
  std::string field;
  double utime = -1, stime = -1;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  if (utime < 0 || stime < 0) return -1;
  return (utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int arg(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int port = arg(argc, argv, "--port", 0);
  const int grids = arg(argc, argv, "--grids", 30);
  const int warmup = arg(argc, argv, "--warmup", 3);
  const int clients = arg(argc, argv, "--clients", 8);
  const int seconds = arg(argc, argv, "--seconds", 10);
  const int server_pid = arg(argc, argv, "--server-pid", 0);
  if (port <= 0) {
    std::fprintf(stderr,
                 "usage: bench_serve --port P [--grids N] [--warmup N] [--clients N] "
                 "[--seconds S] [--server-pid PID]\n");
    return 2;
  }

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  std::vector<double> server, generate, encode, wall;
  size_t png_bytes = 0;
  double cpu_before = -1;
  for (int i = 0; i < warmup + grids; ++i) {
    if (i == warmup) cpu_before = process_cpu_ms(server_pid);
    const auto start = Clock::now();
    auto r = client.Get("/api/grid?n=64&seed=" + std::to_string(1000 + i));
    const double elapsed = ms_since(start);
    if (!r || r->status != 200) {
      std::fprintf(stderr, "bench_serve: grid request failed (%s)\n",
                   r ? r->body.c_str() : httplib::to_string(r.error()).c_str());
      return 1;
    }
    if (i < warmup) continue;
    server.push_back(server_ms(r));
    generate.push_back(server_ms(r, "generate"));
    encode.push_back(server_ms(r, "encode"));
    wall.push_back(elapsed);
    png_bytes = r->body.size();
  }
  const double cpu_after = process_cpu_ms(server_pid);
  const double cpu_per_grid =
      cpu_before < 0 || cpu_after < 0 || grids == 0 ? -1 : (cpu_after - cpu_before) / grids;
  std::printf(
      "bench_serve grid n=64 requests=%d server_ms_median=%.1f server_ms_best=%.1f "
      "server_ms_p90=%.1f generate_ms_median=%.1f encode_ms_median=%.1f wall_ms_median=%.1f "
      "server_cpu_ms_per_grid=%.1f png_kb=%.0f\n",
      grids, percentile(server, 0.5), percentile(server, 0), percentile(server, 0.9),
      percentile(generate, 0.5), percentile(encode, 0.5), percentile(wall, 0.5), cpu_per_grid,
      png_bytes / 1024.0);

  // Single faces from several clients at once.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> latencies(clients), server_times(clients);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client mine("127.0.0.1", port);
      mine.set_read_timeout(120, 0);
      mine.set_keep_alive(true);
      for (int i = 0; !stop; ++i) {
        const auto begin = Clock::now();
        auto r = mine.Get("/api/grid?n=1&pad=0&seed=" + std::to_string(c * 1000000 + i));
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        latencies[c].push_back(ms_since(begin));
        server_times[c].push_back(server_ms(r));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed_s = ms_since(start) / 1000;
  std::vector<double> all, all_server;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    all_server.insert(all_server.end(), server_times[c].begin(), server_times[c].end());
  }
  std::printf(
      "bench_serve faces clients=%d seconds=%.1f requests=%zu failures=%d req_per_s=%.0f "
      "latency_ms_p50=%.1f latency_ms_p99=%.1f server_ms_median=%.2f\n",
      clients, elapsed_s, all.size(), failures.load(), all.size() / elapsed_s, percentile(all, 0.5),
      percentile(all, 0.99), percentile(all_server, 0.5));
  return failures > 0 ? 1 : 0;
}
