// Collects library versions at run time (the BLAS is whichever libblas.so.3 got loaded).
#include "dcgan/gan/runtime_info.h"

#include <torch/torch.h>

#include <opencv2/core/version.hpp>

#include "dcgan/core/blas_info.h"
#include "dcgan/core/version.h"

namespace dcgan::gan {

Json runtime_info() {
  // Touch BLAS once so that a lazily loaded libblas is resolved before we look it up.
  (void)torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));
  BlasInfo blas = blas_info();
  return Json{{"dcgan", kVersion},
              {"libtorch", TORCH_VERSION},
              {"opencv", CV_VERSION},
              {"blas", blas.library},
              {"blas_core", blas.core_name},
              {"torch_threads", torch::get_num_threads()},
              {"cuda_available", torch::cuda::is_available()}};
}

}  // namespace dcgan::gan
