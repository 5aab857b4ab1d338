// Keeps freed memory in the process heap for reuse. Every training step allocates and frees
// hundreds of megabytes of activations and gradients in blocks of 0.1-10 MB. glibc serves
// blocks above 128 KiB with mmap and unmaps them on free, so each step faults in fresh zeroed
// pages again; in a virtual machine those page faults took a third of a CPU training step.
// With larger blocks kept in the heap, a step reuses the previous step's memory instead.
#pragma once

namespace dcgan {

// Call once at start-up, before large allocations. Blocks above 32 MiB (the data set) are
// still mapped and unmapped individually. A no-op where the C library is not glibc.
void keep_freed_memory_for_reuse();

}  // namespace dcgan
