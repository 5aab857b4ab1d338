// bench_swd: times SWD between two slices of one image folder (descriptors, projections,
// sorts; not the decoding), e.g. the first 10,000 real faces against the last 10,000.
// Prints one line: n=... seconds=... swd_<res>=... swd_avg=...
// Usage: bench_swd --real DIR --first-a 0 --first-b N --n N [--size 48] [--seed 1] [--threads T]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "dcgan/core/heap.h"
#include "dcgan/core/log.h"
#include "dcgan/data/image_set.h"
#include "dcgan/metrics/swd.h"

int main(int argc, char** argv) {
  dcgan::keep_freed_memory_for_reuse();  // as in `dcgan eval`
  CLI::App app{"Time SWD between two slices of an image folder"};
  std::string real;
  int64_t first_a = 0, first_b = 0, n = 10000;
  int size = 48, threads = 0;
  uint64_t seed = 1;
  app.add_option("--real", real, "Image folder")->required();
  app.add_option("--first-a", first_a, "First image of set A (sorted by name)");
  app.add_option("--first-b", first_b, "First image of set B")->required();
  app.add_option("--n", n, "Images per set");
  app.add_option("--size", size, "Image side");
  app.add_option("--seed", seed, "Seed");
  app.add_option("--threads", threads, "Torch threads (0 = default)");
  CLI11_PARSE(app, argc, argv);
  dcgan::log::set_level(dcgan::log::Level::kWarn);
  if (threads > 0) torch::set_num_threads(threads);
  try {
    dcgan::data::DataConfig data;
    data.dir = real;
    data.output_size = size;
    data.channels = "3";
    data.limit = std::max(first_a, first_b) + n;
    torch::Tensor all = dcgan::data::load_image_set(data).images;
    torch::Tensor a = all.slice(0, first_a, first_a + n).contiguous();
    torch::Tensor b = all.slice(0, first_b, first_b + n).contiguous();
    const auto start = std::chrono::steady_clock::now();
    dcgan::metrics::SwdResult r = dcgan::metrics::sliced_wasserstein(a, b, seed);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("n=%lld seconds=%.2f", static_cast<long long>(a.size(0)), seconds);
    for (size_t i = 0; i < r.resolutions.size(); ++i) {
      std::printf(" swd_%d=%.4f", r.resolutions[i], r.swd_x1e3[i]);
    }
    std::printf(" swd_avg=%.4f threads=%d\n", r.average, torch::get_num_threads());
  } catch (const std::exception& e) {
    std::cerr << "bench_swd: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
