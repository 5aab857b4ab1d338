// Per-tap matrix products for small convolutions; see tap_gemm_conv.h.
#include "dcgan/kernels/tap_gemm_conv.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <stdexcept>

#include "dcgan/kernels/bf16_matmul.h"

namespace dcgan::kernels {
namespace {

// One run of valid taps: output pixel `pixel` (oy * w_out + ox) reads input row y, columns
// x0 .. x0 + columns - 1, through kernel row ky, columns kx0 .. kx0 + columns - 1.
struct TapRun {
  int64_t pixel, y, x0, ky, kx0, columns;
};

template <class Visit>
void for_each_tap_run(const TapConvShape& s, Visit visit) {
  for (int64_t oy = 0; oy < s.h_out; ++oy) {
    for (int64_t ox = 0; ox < s.w_out; ++ox) {
      const int64_t left = ox * s.stride - s.padding;
      const int64_t x0 = std::max<int64_t>(0, left);
      const int64_t x1 = std::min(s.w_in, left + s.kernel);  // one past the last column
      if (x1 <= x0) continue;
      for (int64_t ky = 0; ky < s.kernel; ++ky) {
        const int64_t y = oy * s.stride - s.padding + ky;
        if (y < 0 || y >= s.h_in) continue;
        visit(TapRun{oy * s.w_out + ox, y, x0, ky, x0 - left, x1 - x0});
      }
    }
  }
}

// Row-major C = alpha op(A) op(B) + beta C on one thread (the callers split the work).
void sgemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc) {
  if (dnnl_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 1.0f, c, ldc) != dnnl_success) {
    throw std::runtime_error("oneDNN sgemm failed in a small convolution");
  }
}

// Splits [0, n) into one contiguous part per thread, in multiples of `unit` (whole cache
// lines of channels), and runs body(begin, end) on each.
template <class Body>
void split(int64_t n, int64_t unit, Body body) {
  const int64_t units = (n + unit - 1) / unit;
  at::parallel_for(0, units, 1, [&](int64_t begin, int64_t end) {
    body(begin * unit, std::min(n, end * unit));
  });
}

// Fills `rows` rows of `length` floats, `stride` apart, with bias[0, length) or zeros.
void fill_rows(float* first, int64_t rows, int64_t stride, int64_t length, const float* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = first + r * stride;
    if (bias) {
      std::copy(bias, bias + length, row);
    } else {
      std::fill(row, row + length, 0.0f);
    }
  }
}

constexpr int64_t kChannelUnit = 16;  // one AVX-512 register of floats

}  // namespace

bool tap_conv_suits(const TapConvShape& s) { return s.h_out * s.w_out <= 16; }

void tap_conv_forward(const TapConvShape& s, const float* in, const float* weight_hwio,
                      const float* bias, float* out) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_pixels = s.h_out * s.w_out;
  // Each thread owns a range of output channels: its products never overlap another's.
  split(s.c_out, kChannelUnit, [&](int64_t c0, int64_t c1) {
    fill_rows(out + c0, s.batch * out_pixels, s.c_out, c1 - c0, bias ? bias + c0 : nullptr);
    for_each_tap_run(s, [&](const TapRun& r) {
      sgemm('N', 'N', s.batch, c1 - c0, r.columns * s.c_in, in + (r.y * s.w_in + r.x0) * s.c_in,
            in_image, weight_hwio + (r.ky * s.kernel + r.kx0) * s.c_in * s.c_out + c0, s.c_out,
            out + r.pixel * s.c_out + c0, out_pixels * s.c_out);
    });
  });
}

void tap_conv_input_gradient(const TapConvShape& s, const float* out_grad, const float* weight_howi,
                             const float* bias, float* in_grad) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  // Neighbouring output pixels write overlapping input runs, so the threads split the batch.
  split(s.batch, 1, [&](int64_t b0, int64_t b1) {
    fill_rows(in_grad + b0 * in_image, (b1 - b0) * s.h_in * s.w_in, s.c_in, s.c_in, bias);
    for_each_tap_run(s, [&](const TapRun& r) {
      sgemm('N', 'N', b1 - b0, r.columns * s.c_in, s.c_out,
            out_grad + b0 * out_image + r.pixel * s.c_out, out_image,
            weight_howi + r.ky * s.c_out * s.kernel * s.c_in + r.kx0 * s.c_in, s.kernel * s.c_in,
            in_grad + b0 * in_image + (r.y * s.w_in + r.x0) * s.c_in, in_image);
    });
  });
}

void tap_conv_weight_gradient(const TapConvShape& s, const float* in, const float* out_grad,
                              float* weight_grad_hwio) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  // The gradient sums over the batch and the pixels; each thread owns its output channels.
  split(s.c_out, kChannelUnit, [&](int64_t c0, int64_t c1) {
    fill_rows(weight_grad_hwio + c0, s.kernel * s.kernel * s.c_in, s.c_out, c1 - c0, nullptr);
    for_each_tap_run(s, [&](const TapRun& r) {
      sgemm('T', 'N', r.columns * s.c_in, c1 - c0, s.batch, in + (r.y * s.w_in + r.x0) * s.c_in,
            in_image, out_grad + r.pixel * s.c_out + c0, out_image,
            weight_grad_hwio + (r.ky * s.kernel + r.kx0) * s.c_in * s.c_out + c0, s.c_out);
    });
  });
}

// ------------------------------------------------------------------------------------ BF16

void tap_conv_forward(const TapConvShape& s, const c10::BFloat16* in,
                      const c10::BFloat16* weight_hwio, const float* bias, float* out) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_pixels = s.h_out * s.w_out;
  split(s.c_out, kChannelUnit, [&](int64_t c0, int64_t c1) {
    fill_rows(out + c0, s.batch * out_pixels, s.c_out, c1 - c0, bias ? bias + c0 : nullptr);
    for_each_tap_run(s, [&](const TapRun& r) {
      bf16_matmul({s.batch, c1 - c0, r.columns * s.c_in, in_image, 1, s.c_out, 1,
                   out_pixels * s.c_out, true},
                  in + (r.y * s.w_in + r.x0) * s.c_in,
                  weight_hwio + (r.ky * s.kernel + r.kx0) * s.c_in * s.c_out + c0,
                  out + r.pixel * s.c_out + c0);
    });
  });
}

void tap_conv_input_gradient(const TapConvShape& s, const c10::BFloat16* out_grad,
                             const c10::BFloat16* weight_howi, const float* bias, float* in_grad) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  split(s.batch, 1, [&](int64_t b0, int64_t b1) {
    fill_rows(in_grad + b0 * in_image, (b1 - b0) * s.h_in * s.w_in, s.c_in, s.c_in, bias);
    for_each_tap_run(s, [&](const TapRun& r) {
      bf16_matmul({b1 - b0, r.columns * s.c_in, s.c_out, out_image, 1, s.kernel * s.c_in, 1,
                   in_image, true},
                  out_grad + b0 * out_image + r.pixel * s.c_out,
                  weight_howi + r.ky * s.c_out * s.kernel * s.c_in + r.kx0 * s.c_in,
                  in_grad + b0 * in_image + (r.y * s.w_in + r.x0) * s.c_in);
    });
  });
}

void tap_conv_weight_gradient(const TapConvShape& s, const c10::BFloat16* in,
                              const c10::BFloat16* out_grad, float* weight_grad_hwio) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  split(s.c_out, kChannelUnit, [&](int64_t c0, int64_t c1) {
    fill_rows(weight_grad_hwio + c0, s.kernel * s.kernel * s.c_in, s.c_out, c1 - c0, nullptr);
    // A is the input run transposed: (run x C_in) x batch, one image per column.
    for_each_tap_run(s, [&](const TapRun& r) {
      bf16_matmul({r.columns * s.c_in, c1 - c0, s.batch, 1, in_image, out_image, 1, s.c_out, true},
                  in + (r.y * s.w_in + r.x0) * s.c_in, out_grad + r.pixel * s.c_out + c0,
                  weight_grad_hwio + (r.ky * s.kernel + r.kx0) * s.c_in * s.c_out + c0);
    });
  });
}

}  // namespace dcgan::kernels
