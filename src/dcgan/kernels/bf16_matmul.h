// C (f32) = [C +] A (bf16) x B (bf16): a strided matrix product with BF16 inputs and FP32
// accumulation, the BF16 counterpart of the sgemm calls in tap_gemm_conv.cpp. oneDNN 2.6 has no
// public bf16 gemm, so each shape gets a matmul primitive (built once, cached) whose memory
// descriptors carry the strides, so A, B and C can be sub-blocks of larger tensors, transposed
// or not. Called outside a parallel region, a product runs on all compute threads; called
// inside one (at::parallel_for), on the calling thread alone, so that the threads can split a
// layer's products among themselves as the sgemm path does (one synchronisation per layer
// rather than one per product, which a busy machine makes costly).
#pragma once

#include <c10/util/BFloat16.h>

#include <cstdint>

namespace dcgan::kernels {

struct Bf16MatmulShape {
  int64_t m, n, k;
  int64_t a_row_stride, a_col_stride;  // A is m x k
  int64_t b_row_stride, b_col_stride;  // B is k x n
  int64_t c_row_stride;                // C is m x n, columns contiguous
  bool accumulate;                     // C += A B rather than C = A B

  bool operator<(const Bf16MatmulShape& o) const;
};

void bf16_matmul(const Bf16MatmulShape& shape, const c10::BFloat16* a, const c10::BFloat16* b,
                 float* c);

}  // namespace dcgan::kernels
