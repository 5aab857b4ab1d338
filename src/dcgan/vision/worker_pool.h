// Runs a batch stage's per-item work on N threads: items are handed out in index order, the
// calling thread works too and reports progress, an interrupt stops handing out new items.
// Also pins OpenCV's own thread pool to one thread while the batch runs, since per-item
// parallelism scales better than OpenCV's per-call parallelism and the two would oversubscribe.
#pragma once

#include <cstdint>
#include <functional>

namespace dcgan::vision {

struct WorkerPoolCallbacks {
  // work(item, worker): worker in [0, threads) identifies per-thread state. Exceptions escaping
  // it stop the batch and are rethrown by run_worker_pool after every thread has finished.
  std::function<void(int64_t item, int worker)> work;
  std::function<void(int64_t done)> progress;  // on the calling thread; may be empty
  std::function<bool()> stop;                  // checked before each item; may be empty
};

// Returns the number of items completed.
int64_t run_worker_pool(int64_t n_items, int threads, const WorkerPoolCallbacks& callbacks);

// Sets cv::setNumThreads(n) for its lifetime and restores the previous value.
class ScopedOpenCvThreads {
 public:
  explicit ScopedOpenCvThreads(int n);
  ~ScopedOpenCvThreads();
  ScopedOpenCvThreads(const ScopedOpenCvThreads&) = delete;
  ScopedOpenCvThreads& operator=(const ScopedOpenCvThreads&) = delete;

 private:
  int previous_;
};

}  // namespace dcgan::vision
