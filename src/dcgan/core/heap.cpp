// See heap.h.
#include "dcgan/core/heap.h"

#include <cstdlib>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dcgan {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  constexpr int kLargestHeapBlock = 32 << 20;  // glibc's upper limit for the mmap threshold
  constexpr int kTrimAbove = 1 << 30;          // give memory back only past 1 GiB of free top
  mallopt(M_MMAP_THRESHOLD, kLargestHeapBlock);
  mallopt(M_TRIM_THRESHOLD, kTrimAbove);
#endif
}

}  // namespace dcgan
