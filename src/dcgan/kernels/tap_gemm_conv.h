// Convolution for layers whose small side is a few pixels (the DCGAN's 8df x s4 x s4 end of D
// and start of G: 2x2 at 32 px, 3x3 at 48, 4x4 at 64), as matrix products over the valid taps
// only. oneDNN's direct kernels vectorise along an output row; with 2-4 pixels per row most of
// their work is padding (at 3x3 a third of the taps fall outside the image) and they reach
// 40-55% of the sgemm peak there, against 85-95% on the larger layers.
//
// For every output pixel (oy, ox) and kernel row ky that lands inside the image, the valid
// kernel columns form one contiguous run of input pixels in NHWC (x0..x1, all channels) and
// one contiguous block of an HWIO weight ((ky, kx0..kx1), all input channels, all output
// channels; the FP32 input gradient reads it as HOWI), so the forward pass and the input
// gradient are a few dozen sgemm calls with M = batch, K = run length x C_in, N = C_out, none of
// them touching padding. The two threads split the output channels (or the batch, where the
// outputs of different pixels overlap), each calling a one-thread sgemm. The weight gradient goes
// one kernel tap at a time instead (one product per tap over all its pixels and images, the
// threads splitting the taps), so that each weight block is written once.
//
// Everything here is in convolution terms: `in` is the large side, `out` the small side. A
// transposed convolution is the same layer read backwards (its forward pass is
// tap_conv_input_gradient, its input gradient is tap_conv_forward).
#pragma once

#include <c10/util/BFloat16.h>

#include <cstdint>

namespace dcgan::kernels {

struct TapConvShape {
  int64_t batch, c_in, h_in, w_in, c_out, h_out, w_out, kernel, stride, padding;
};

// Whether the per-tap products beat oneDNN's direct kernels: an output of at most 16 pixels
// (measured on AVX-512: 2.5-4x faster at 2x2 and 3x3, 1.1-1.4x at 4x4, even at 6x6 and slower
// from 8x8 on).
bool tap_conv_suits(const TapConvShape& s);

// Whether the per-tap weight gradient may beat oneDNN's on a layer tap_conv_suits leaves to it,
// so that it is worth timing (conv.cpp): an output of at most 64 pixels. At 48 px, batch 64, it
// won at 6x6 (5.2 ms against 8.0 in BF16) and lost at 12x12 (8.7 against 6.6) and 24x24 (3x).
// Its gather buffers, kept per thread, grow with the output's pixels x batch: timed on the
// 3-channel layer at 256 px they would take seconds and hundreds of MB.
bool tap_weight_gradient_may_suit(const TapConvShape& s);

// out (B, h_out, w_out, c_out) = in (B, h_in, w_in, c_in) (*) weight + bias. weight_hwio is
// (k, k, c_in, c_out); bias (c_out) may be null.
void tap_conv_forward(const TapConvShape& s, const float* in, const float* weight_hwio,
                      const float* bias, float* out);

// in_grad (B, h_in, w_in, c_in) = the adjoint of the convolution applied to out_grad
// (B, h_out, w_out, c_out), plus bias (c_in, may be null) at every pixel. This is also a
// transposed convolution's forward pass. weight_howi is (k, c_out, k, c_in): for a kernel row,
// the block (c_out) x (a run of columns x c_in) is then one matrix, which sgemm reads 1.4x
// faster than the transposed HWIO block.
void tap_conv_input_gradient(const TapConvShape& s, const float* out_grad, const float* weight_howi,
                             const float* bias, float* in_grad);

// weight_grad_hwio (k, k, c_in, c_out) = the gradient of sum(out * out_grad) with respect to
// the weight, given the layer's input `in`; computed by tap, as above. Any shape: conv.cpp also
// times it against oneDNN's weight gradient for larger layers and uses it where it is faster.
void tap_conv_weight_gradient(const TapConvShape& s, const float* in, const float* out_grad,
                              float* weight_grad_hwio);

// The same three with BF16 inputs and FP32 outputs (--precision bf16): the same split of the
// work between the threads, each product a one-thread oneDNN BF16 matmul (bf16_matmul.h). The
// BF16 input gradient reads the HWIO weight transposed: oneDNN's matmul packs it about as fast
// as HOWI (means of four runs, 2 threads: the same at 48 px, 5% slower at 64, 3% faster at 32),
// so a BF16 layer converts one weight copy per parameter version instead of two (~2 ms each).
void tap_conv_forward(const TapConvShape& s, const c10::BFloat16* in,
                      const c10::BFloat16* weight_hwio, const float* bias, float* out);
void tap_conv_input_gradient(const TapConvShape& s, const c10::BFloat16* out_grad,
                             const c10::BFloat16* weight_hwio, const float* bias, float* in_grad);
void tap_conv_weight_gradient(const TapConvShape& s, const c10::BFloat16* in,
                              const c10::BFloat16* out_grad, float* weight_grad_hwio);

}  // namespace dcgan::kernels
