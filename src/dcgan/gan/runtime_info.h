// Versions and settings of the runtime libraries in use (LibTorch, OpenCV, BLAS), for
// `dcgan --version` and every run's config.json.
#pragma once

#include "dcgan/core/json.h"

namespace dcgan::gan {

// {"dcgan", "libtorch", "opencv", "blas", "blas_core", "torch_threads", "cuda_available"}
Json runtime_info();

}  // namespace dcgan::gan
