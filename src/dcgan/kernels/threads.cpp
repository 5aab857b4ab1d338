// See threads.h.
#include "dcgan/kernels/threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>

#include "dcgan/core/cpu_count.h"

namespace dcgan::kernels {

int set_compute_threads(int requested) {
  int threads = requested;
  if (threads <= 0) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    threads = env != nullptr ? std::atoi(env) : 0;
  }
  if (threads <= 0) threads = default_thread_count();
  at::set_num_threads(threads);
  return threads;
}

}  // namespace dcgan::kernels
