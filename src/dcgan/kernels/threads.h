// How many threads LibTorch and oneDNN compute with. LibTorch's own default counts physical
// cores by a rule that gives 1 on many virtual machines (2 vCPUs -> 1 thread), leaving half the
// machine idle; dcgan uses every core the OS offers unless told otherwise.
#pragma once

namespace dcgan::kernels {

// requested > 0: exactly that many. 0: OMP_NUM_THREADS when set, else every available core.
// Returns the count now in effect.
int set_compute_threads(int requested);

}  // namespace dcgan::kernels
