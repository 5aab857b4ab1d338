// Per-tap matrix products for small convolutions; see tap_gemm_conv.h.
#include "dcgan/kernels/tap_gemm_conv.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

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

// Row-major C = op(A) op(B) + beta C on one thread (the callers split the work).
void sgemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc, float beta = 1.0f) {
  if (dnnl_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) != dnnl_success) {
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

// ----------------------------------------------------------------- weight gradient, by tap

// An output pixel and the input pixel it reads through one kernel tap.
struct PixelPair {
  int64_t out_pixel, in_pixel;
};

// The pairs of each kernel tap (ky * kernel + kx), in output pixel order.
std::vector<std::vector<PixelPair>> pairs_by_tap(const TapConvShape& s) {
  std::vector<std::vector<PixelPair>> pairs(s.kernel * s.kernel);
  for_each_tap_run(s, [&](const TapRun& r) {
    for (int64_t c = 0; c < r.columns; ++c) {
      pairs[r.ky * s.kernel + r.kx0 + c].push_back({r.pixel, r.y * s.w_in + r.x0 + c});
    }
  });
  return pairs;
}

// Runs body(tap) for every tap, the threads splitting the taps by their number of pairs (at
// 3x3 a tap has 4, 6 or 9).
template <class Body>
void split_taps(const std::vector<std::vector<PixelPair>>& pairs, Body body) {
  const int64_t taps = static_cast<int64_t>(pairs.size());
  std::vector<int64_t> work_before(taps + 1, 0);
  for (int64_t t = 0; t < taps; ++t) work_before[t + 1] = work_before[t] + pairs[t].size();
  const int64_t threads = at::get_num_threads(), total = std::max<int64_t>(1, work_before[taps]);
  at::parallel_for(0, threads, 1, [&](int64_t first_thread, int64_t end_thread) {
    for (int64_t t = 0; t < taps; ++t) {
      // A tap belongs to the thread whose share of the work holds the tap's midpoint.
      const int64_t owner =
          std::min(threads - 1, (work_before[t] + work_before[t + 1]) * threads / (2 * total));
      if (owner >= first_thread && owner < end_thread) body(t);
    }
  });
}

// The weight gradient one kernel tap at a time. For tap t the rows the pairs read, one per
// (pair, image), are copied into dense matrices, input rows into `in_rows` (K x c_in) and
// upstream gradient rows into `grad_rows` (K x c_out), and product(K, in_rows, grad_rows,
// block) writes the tap's HWIO block in_rows^T grad_rows (c_in x c_out) once. Every product
// sums over all K = pairs x batch rows of the tap: the per-run products summed over the batch
// alone (K = 64) and read and wrote their 1-2 MB block dozens of times, at 30-60% of the
// product's peak.
template <class T, class Product>
void weight_gradient_by_tap(const TapConvShape& s, const T* in, const T* out_grad,
                            float* weight_grad_hwio, Product product) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  const auto pairs = pairs_by_tap(s);
  split_taps(pairs, [&](int64_t tap) {
    float* block = weight_grad_hwio + tap * s.c_in * s.c_out;
    const int64_t rows = static_cast<int64_t>(pairs[tap].size()) * s.batch;
    if (rows == 0) {  // a tap that only ever reads padding
      std::fill(block, block + s.c_in * s.c_out, 0.0f);
      return;
    }
    // Grown and never shrunk: shrinking, then growing for the next tap, would zero the rows.
    thread_local std::vector<T> in_rows, grad_rows;
    if (in_rows.size() < static_cast<size_t>(rows * s.c_in)) in_rows.resize(rows * s.c_in);
    if (grad_rows.size() < static_cast<size_t>(rows * s.c_out)) grad_rows.resize(rows * s.c_out);
    int64_t row = 0;
    for (const PixelPair& pair : pairs[tap]) {
      for (int64_t b = 0; b < s.batch; ++b, ++row) {
        const T* x = in + b * in_image + pair.in_pixel * s.c_in;
        const T* dy = out_grad + b * out_image + pair.out_pixel * s.c_out;
        std::copy(x, x + s.c_in, in_rows.data() + row * s.c_in);
        std::copy(dy, dy + s.c_out, grad_rows.data() + row * s.c_out);
      }
    }
    product(rows, in_rows.data(), grad_rows.data(), block);
  });
}

}  // namespace

bool tap_conv_suits(const TapConvShape& s) { return s.h_out * s.w_out <= 16; }

bool tap_weight_gradient_may_suit(const TapConvShape& s) { return s.h_out * s.w_out <= 64; }

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
  weight_gradient_by_tap(
      s, in, out_grad, weight_grad_hwio,
      [&](int64_t rows, const float* in_rows, const float* grad_rows, float* block) {
        sgemm('T', 'N', s.c_in, s.c_out, rows, in_rows, s.c_in, grad_rows, s.c_out, block, s.c_out,
              0.0f);
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
                             const c10::BFloat16* weight_hwio, const float* bias, float* in_grad) {
  const int64_t in_image = s.h_in * s.w_in * s.c_in, out_image = s.h_out * s.w_out * s.c_out;
  split(s.batch, 1, [&](int64_t b0, int64_t b1) {
    fill_rows(in_grad + b0 * in_image, (b1 - b0) * s.h_in * s.w_in, s.c_in, s.c_in, bias);
    for_each_tap_run(s, [&](const TapRun& r) {
      // B is the run's HWIO block (run x c_in rows of c_out) read transposed.
      bf16_matmul({b1 - b0, r.columns * s.c_in, s.c_out, out_image, 1, 1, s.c_out, in_image, true},
                  out_grad + b0 * out_image + r.pixel * s.c_out,
                  weight_hwio + (r.ky * s.kernel + r.kx0) * s.c_in * s.c_out,
                  in_grad + b0 * in_image + (r.y * s.w_in + r.x0) * s.c_in);
    });
  });
}

void tap_conv_weight_gradient(const TapConvShape& s, const c10::BFloat16* in,
                              const c10::BFloat16* out_grad, float* weight_grad_hwio) {
  weight_gradient_by_tap(s, in, out_grad, weight_grad_hwio,
                         [&](int64_t rows, const c10::BFloat16* in_rows,
                             const c10::BFloat16* grad_rows, float* block) {
                           // in_rows^T: c_in x rows, read column by column.
                           bf16_matmul(
                               {s.c_in, s.c_out, rows, 1, s.c_in, s.c_out, 1, s.c_out, false},
                               in_rows, grad_rows, block);
                         });
}

}  // namespace dcgan::kernels
