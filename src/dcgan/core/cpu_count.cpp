// See cpu_count.h.
#include "dcgan/core/cpu_count.h"

#include <algorithm>
#include <thread>

namespace dcgan {

int default_thread_count() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace dcgan
