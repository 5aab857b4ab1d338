// --precision bf16 on CUDA: LibTorch's autocast in BF16 around a model's forward pass (the
// oneDNN layers are CPU-only, so CUDA gets LibTorch's own mixed precision). Autocast picks per
// operation: convolutions and matrix products in BF16, reductions and losses in FP32; the
// weights stay FP32. Written for LibTorch 1.13 and 2.x, whose autocast API differs (see the .cpp).
#pragma once

#include <torch/torch.h>

namespace dcgan::kernels {

// Turns CUDA autocast on in BF16 for its lifetime when the process precision is bf16 and
// `input` lives on a CUDA device; otherwise does nothing. Nests like torch.autocast.
class CudaBf16Autocast {
 public:
  explicit CudaBf16Autocast(const torch::Tensor& input);
  ~CudaBf16Autocast();
  CudaBf16Autocast(const CudaBf16Autocast&) = delete;
  CudaBf16Autocast& operator=(const CudaBf16Autocast&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace dcgan::kernels
