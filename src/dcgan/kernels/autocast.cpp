// See autocast.h. LibTorch 2.4 made autocast's state per device type
// (set_autocast_enabled(at::kCUDA, on)); 1.13 to 2.3 have the CUDA-only calls, which 2.4
// deprecates.
#include "dcgan/kernels/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "dcgan/kernels/precision.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define DCGAN_AUTOCAST_PER_DEVICE 1
#else
#define DCGAN_AUTOCAST_PER_DEVICE 0
#endif

namespace dcgan::kernels {
namespace {

bool cuda_autocast_enabled() {
#if DCGAN_AUTOCAST_PER_DEVICE
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

void set_cuda_autocast(bool enabled, at::ScalarType dtype) {
#if DCGAN_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

at::ScalarType cuda_autocast_dtype() {
#if DCGAN_AUTOCAST_PER_DEVICE
  return at::autocast::get_autocast_dtype(at::kCUDA);
#else
  return at::autocast::get_autocast_gpu_dtype();
#endif
}

}  // namespace

CudaBf16Autocast::CudaBf16Autocast(const torch::Tensor& input) {
  if (precision() != Precision::kBf16 || !input.is_cuda()) return;
  active_ = true;
  was_enabled_ = cuda_autocast_enabled();
  previous_dtype_ = cuda_autocast_dtype();
  set_cuda_autocast(true, at::kBFloat16);
  at::autocast::increment_nesting();
}

CudaBf16Autocast::~CudaBf16Autocast() {
  if (!active_) return;
  // Leaving the outermost region drops the BF16 weight copies autocast cached inside it.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_cuda_autocast(was_enabled_, previous_dtype_);
}

}  // namespace dcgan::kernels
