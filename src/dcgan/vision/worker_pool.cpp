// The batch worker pool; see worker_pool.h.
#include "dcgan/vision/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <thread>
#include <vector>

namespace dcgan::vision {

int64_t run_worker_pool(int64_t n_items, int threads, const WorkerPoolCallbacks& callbacks) {
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto worker_loop = [&](int worker, bool report) {
    while (!failed) {
      if (callbacks.stop && callbacks.stop()) return;
      const int64_t item = next++;
      if (item >= n_items) return;
      try {
        callbacks.work(item, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
        return;
      }
      const int64_t count = ++done;
      if (report && callbacks.progress) callbacks.progress(count);
    }
  };
  const int n_threads =
      static_cast<int>(std::clamp<int64_t>(threads, 1, std::max<int64_t>(n_items, 1)));
  std::vector<std::thread> pool;
  for (int w = 1; w < n_threads; ++w) pool.emplace_back(worker_loop, w, false);
  worker_loop(0, true);
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
  return done;
}

ScopedOpenCvThreads::ScopedOpenCvThreads(int n) : previous_(cv::getNumThreads()) {
  cv::setNumThreads(n);
}

ScopedOpenCvThreads::~ScopedOpenCvThreads() { cv::setNumThreads(previous_); }

}  // namespace dcgan::vision
