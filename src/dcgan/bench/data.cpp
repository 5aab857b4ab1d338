// See data.h.
#include "dcgan/bench/data.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "dcgan/core/error.h"
#include "dcgan/data/image_set.h"

namespace fs = std::filesystem;

namespace dcgan::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Removes the temporary cache folder however the benchmark ends.
struct TemporaryFolder {
  fs::path path;
  TemporaryFolder()
      : path(fs::temp_directory_path() / ("dcgan-bench-data-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

void BenchDataConfig::validate() const {
  require(!data_dir.empty(), "--data is required: the image folder to decode");
  require(size >= 8 && size <= 1024, "--size must be between 8 and 1024");
  require(threads >= 0, "--threads must be 0 (all cores) or positive");
  require(limit >= 0, "--limit must be 0 (all) or positive");
}

BenchDataResult run_bench_data(const BenchDataConfig& config) {
  config.validate();
  data::DataConfig data;
  data.dir = config.data_dir;
  data.pattern = config.pattern;
  data.output_size = config.size;
  data.channels = "3";
  data.threads = config.threads;
  data.limit = config.limit;

  BenchDataResult result;
  auto start = std::chrono::steady_clock::now();
  result.images = data::load_image_set(data).size();
  result.decode_s = seconds_since(start);

  TemporaryFolder cache;
  data.cache_dir = cache.path.string();
  data::load_image_set(data);  // writes the cache
  start = std::chrono::steady_clock::now();
  data::ImageSet reloaded = data::load_image_set(data);
  result.reload_s = seconds_since(start);
  if (!reloaded.from_cache) {
    throw IoError("bench data: the cache in " + cache.path.string() + " was not reused");
  }
  return result;
}

}  // namespace dcgan::bench
