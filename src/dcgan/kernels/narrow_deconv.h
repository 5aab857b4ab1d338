// A BF16 transposed convolution to a few output channels: G's last layer (to the 3 RGB
// channels) and the input gradient of D's first convolution, which is the same product.
// oneDNN 2.6's kernels vectorise along the output channels; with 3 of them most of each vector is
// padding, and at 48 px, batch 64, 2 threads they take 3.9 ms for 0.35 GFLOP (90 GFLOP/s, 12% of
// the BF16 peak). Here each output value is a dot product along the input's channels, which
// NHWC stores contiguously: per valid kernel tap, one load of 32 input channels and one
// AVX512-BF16 dot-product instruction per output channel, summed across the vector at the end.
// Four output pixels that read the same taps go together and share the weight loads. At 48 px,
// batch 64: 1.5 ms on 2 threads (240 GFLOP/s), 2.6 ms on one.
#pragma once

#include <c10/util/BFloat16.h>

#include <cstdint>

namespace dcgan::kernels {

// `in` is the transposed convolution's input (the small side), `out` its output.
struct NarrowDeconvShape {
  int64_t batch, c_in, h_in, w_in, c_out, h_out, w_out, kernel, stride, padding;
};

// Whether narrow_deconv runs here: at most 4 output channels, on a CPU with AVX512-BF16 that
// oneDNN is allowed to use too (native_bf16(): DNNL_MAX_CPU_ISA hides it from both).
bool narrow_deconv_suits(const NarrowDeconvShape& s);

// out (B, h_out, w_out, c_out) = in (B, h_in, w_in, c_in) transposed-convolved with weight
// (c_in, c_out, k, k), plus bias (c_out, may be null) at every pixel: input pixel (iy, ix)
// reaches output pixel (iy * stride - padding + ky, ix * stride - padding + kx). The weight is
// LibTorch's transposed-convolution layout, which is also a convolution's (C_out, C_in, k, k)
// read for its input gradient. Products in BF16, sums in FP32; needs narrow_deconv_suits(s).
void narrow_deconv(const NarrowDeconvShape& s, const c10::BFloat16* in, const float* weight,
                   const float* bias, float* out);

}  // namespace dcgan::kernels
