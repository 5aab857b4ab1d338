// The transposed convolution to a few channels; see narrow_deconv.h.
#include "dcgan/kernels/narrow_deconv.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "dcgan/kernels/precision.h"

namespace dcgan::kernels {
namespace {

constexpr int64_t kChunk = 32;  // BF16 input channels per AVX-512 register

bool cpu_has_avx512_bf16() {
  static const bool has =
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
  return has;
}

// The weight as BF16 bits, one row of c_in (zero-padded to whole registers) per (ky, kx, c):
// the row an output channel's dot product reads for a tap.
std::vector<uint16_t> tap_rows(const NarrowDeconvShape& s, const float* weight, int64_t padded) {
  std::vector<uint16_t> rows(s.kernel * s.kernel * s.c_out * padded, 0);
  for (int64_t i = 0; i < s.c_in; ++i) {
    for (int64_t c = 0; c < s.c_out; ++c) {
      for (int64_t tap = 0; tap < s.kernel * s.kernel; ++tap) {
        const float w = weight[(i * s.c_out + c) * s.kernel * s.kernel + tap];
        rows[(tap * s.c_out + c) * padded + i] = c10::BFloat16(w).x;
      }
    }
  }
  return rows;
}

// The sum of a register's 16 floats. The zero-masked forms with every lane selected: GCC 12's
// unmasked ones (and _mm512_reduce_add_ps) warn that their undefined source is uninitialised.
__attribute__((target("avx512f"))) float sum_of(__m512 v) {
  constexpr __mmask16 kAll = 0xFFFF;
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAll, v, v, 0x4E));  // + the other 256 bits
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAll, v, v, 0xB1));  // + the other 128 of 256
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAll, v, 0x4E));        // + the other 64 of 128
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAll, v, 0xB1));        // + the other 32 of 64
  return _mm512_cvtss_f32(v);
}

// For every output coordinate along one axis, the kernel taps that reach it and the input
// coordinate each reads (at most ceil(kernel / stride) of them), worked out once per call
// rather than with divisions in the inner loop.
struct AxisTaps {
  std::vector<int64_t> first;  // output o's entries are [first[o], first[o + 1])
  std::vector<int64_t> tap, input;

  AxisTaps(const NarrowDeconvShape& s, int64_t out, int64_t in) {
    first.push_back(0);
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t k = 0; k < s.kernel; ++k) {
        const int64_t t = o + s.padding - k;  // input coordinate x stride
        if (t >= 0 && t % s.stride == 0 && t / s.stride < in) {
          tap.push_back(k);
          input.push_back(t / s.stride);
        }
      }
      first.push_back(static_cast<int64_t>(tap.size()));
    }
  }
};

// What deconv_rows needs besides the row range.
struct Operands {
  const NarrowDeconvShape& s;
  const AxisTaps &ys, &xs;
  const uint16_t* in;    // BF16 bits, NHWC
  const uint16_t* rows;  // tap_rows
  int64_t padded;        // tap_rows' row length
  const float* bias;     // or null
  float* out;
};

// kPixels output pixels of row oy, ox, ox + stride, ..., that read the same kernel taps, each
// through the input pixel to the right of the previous one's (all but the few pixels at the
// image's edges). They share every weight load, and kPixels x kC accumulators keep the
// dot-product unit busy: its result comes ~6 cycles after its inputs.
template <int kC, int kPixels>
__attribute__((target("avx512f,avx512bw,avx512bf16"))) void pixels(const Operands& o, int64_t image,
                                                                   int64_t oy, int64_t ox) {
  const NarrowDeconvShape& s = o.s;
  const int64_t chunks = o.padded / kChunk, rest = s.c_in % kChunk;
  const __mmask32 last = rest ? static_cast<__mmask32>((1u << rest) - 1) : ~__mmask32(0);
  __m512 acc[kPixels][kC];
#pragma GCC unroll 16
  for (int p = 0; p < kPixels; ++p) {
#pragma GCC unroll 4
    for (int c = 0; c < kC; ++c) acc[p][c] = _mm512_setzero_ps();
  }
  for (int64_t r = o.ys.first[oy]; r < o.ys.first[oy + 1]; ++r) {
    const uint16_t* in_row = o.in + (image * s.h_in + o.ys.input[r]) * s.w_in * s.c_in;
    const uint16_t* kernel_row = o.rows + o.ys.tap[r] * s.kernel * kC * o.padded;
    for (int64_t j = o.xs.first[ox]; j < o.xs.first[ox + 1]; ++j) {
      const uint16_t* x = in_row + o.xs.input[j] * s.c_in;
      const uint16_t* w = kernel_row + o.xs.tap[j] * kC * o.padded;
      for (int64_t q = 0; q < chunks; ++q) {
        const bool full = q + 1 < chunks || rest == 0;
        __m512i xv[kPixels];
#pragma GCC unroll 16
        for (int p = 0; p < kPixels; ++p) {
          // Masked loads are slow on AMD Zen: only the last chunk of a partial register uses one.
          xv[p] = full ? _mm512_loadu_si512(x + p * s.c_in + q * kChunk)
                       : _mm512_maskz_loadu_epi16(last, x + p * s.c_in + q * kChunk);
        }
#pragma GCC unroll 4
        for (int c = 0; c < kC; ++c) {
          const __m512i wv = _mm512_loadu_si512(w + c * o.padded + q * kChunk);
#pragma GCC unroll 16
          for (int p = 0; p < kPixels; ++p) {
            acc[p][c] = _mm512_dpbf16_ps(acc[p][c], (__m512bh)xv[p], (__m512bh)wv);
          }
        }
      }
    }
  }
  float* out = o.out + ((image * s.h_out + oy) * s.w_out + ox) * kC;
  // Every loop over the accumulators is unrolled: an index the compiler cannot resolve would
  // keep them in memory, with a store after every instruction.
#pragma GCC unroll 16
  for (int p = 0; p < kPixels; ++p) {
#pragma GCC unroll 4
    for (int c = 0; c < kC; ++c) {
      const float sum = sum_of(acc[p][c]);
      out[p * s.stride * kC + c] = o.bias ? sum + o.bias[c] : sum;
    }
  }
}

// Whether the kGroup pixels from ox on (stride apart) read the same taps, shifted by one input
// pixel each: then the first and the last read the same taps.
template <int kGroup>
bool same_taps(const AxisTaps& xs, int64_t stride, int64_t ox) {
  const int64_t lastx = ox + (kGroup - 1) * stride;
  if (lastx >= static_cast<int64_t>(xs.first.size()) - 1) return false;
  const int64_t n = xs.first[ox + 1] - xs.first[ox];
  if (xs.first[lastx + 1] - xs.first[lastx] != n) return false;
  for (int64_t j = 0; j < n; ++j) {
    if (xs.tap[xs.first[ox] + j] != xs.tap[xs.first[lastx] + j]) return false;
  }
  return true;
}

// Output rows [begin, end) of (image, oy), a phase (ox mod stride) at a time: groups of
// kGroup pixels where they read the same taps, single pixels at the edges.
template <int kC>
void deconv_rows(const Operands& o, int64_t begin, int64_t end) {
  constexpr int kGroup = 4;
  const NarrowDeconvShape& s = o.s;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t image = row / s.h_out, oy = row % s.h_out;
    for (int64_t phase = 0; phase < std::min(s.stride, s.w_out); ++phase) {
      for (int64_t ox = phase; ox < s.w_out;) {
        if (same_taps<kGroup>(o.xs, s.stride, ox)) {
          pixels<kC, kGroup>(o, image, oy, ox);
          ox += kGroup * s.stride;
        } else {
          pixels<kC, 1>(o, image, oy, ox);
          ox += s.stride;
        }
      }
    }
  }
}

template <int kC>
void deconv(const NarrowDeconvShape& s, const uint16_t* in, const float* weight, const float* bias,
            float* out) {
  const int64_t padded = (s.c_in + kChunk - 1) / kChunk * kChunk;
  const std::vector<uint16_t> rows = tap_rows(s, weight, padded);
  const AxisTaps ys(s, s.h_out, s.h_in), xs(s, s.w_out, s.w_in);
  const Operands o{s, ys, xs, in, rows.data(), padded, bias, out};
  at::parallel_for(0, s.batch * s.h_out, 1,
                   [&](int64_t begin, int64_t end) { deconv_rows<kC>(o, begin, end); });
}

}  // namespace

bool narrow_deconv_suits(const NarrowDeconvShape& s) {
  return s.c_out >= 1 && s.c_out <= 4 && native_bf16() && cpu_has_avx512_bf16();
}

void narrow_deconv(const NarrowDeconvShape& s, const c10::BFloat16* in, const float* weight,
                   const float* bias, float* out) {
  TORCH_CHECK(narrow_deconv_suits(s),
              "narrow_deconv: needs at most 4 output channels and "
              "a CPU with AVX512-BF16");
  const auto* bits = reinterpret_cast<const uint16_t*>(in);
  switch (s.c_out) {
    case 1:
      return deconv<1>(s, bits, weight, bias, out);
    case 2:
      return deconv<2>(s, bits, weight, bias, out);
    case 3:
      return deconv<3>(s, bits, weight, bias, out);
    default:
      return deconv<4>(s, bits, weight, bias, out);
  }
}

}  // namespace dcgan::kernels
