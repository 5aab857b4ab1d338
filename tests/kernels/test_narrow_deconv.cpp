// narrow_deconv against LibTorch's conv_transpose2d in float64 on the same BF16-rounded
// operands (relative L2 error <= 1e-5: BF16 products are exact in FP32, only the order of the
// FP32 sums differs), over channel counts that fill whole registers or leave a tail, 1 to 4
// output channels, strides 1 to 3 and odd sizes; and the route: in --precision bf16 the 3-channel
// layers of both models (G's last transposed convolution, the input gradient of D's first
// convolution) give exactly narrow_deconv's result. On a CPU without AVX512-BF16 the tests
// check that it is not chosen there.
#include <gtest/gtest.h>

#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/narrow_deconv.h"
#include "dcgan/kernels/precision.h"

using namespace dcgan::kernels;

namespace {

bool cpu_runs_it() {
  return native_bf16() && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512bf16");
}

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got.to(torch::kDouble) - want.to(torch::kDouble)).norm().item<double>() /
         std::max(want.to(torch::kDouble).norm().item<double>(), 1e-30);
}

torch::Tensor bf16_rounded(const torch::Tensor& t) {
  return t.to(torch::kBFloat16).to(torch::kFloat);
}

// NCHW input (float) and weight, as narrow_deconv reads them: NHWC BF16, contiguous weight.
torch::Tensor run_narrow(const NarrowDeconvShape& s, const torch::Tensor& x, const torch::Tensor& w,
                         const torch::Tensor& b) {
  auto in = x.permute({0, 2, 3, 1}).contiguous().to(torch::kBFloat16);
  auto weight = w.contiguous();
  auto out = torch::empty({s.batch, s.h_out, s.w_out, s.c_out});
  narrow_deconv(s, in.data_ptr<c10::BFloat16>(), weight.data_ptr<float>(),
                b.defined() ? b.data_ptr<float>() : nullptr, out.data_ptr<float>());
  return out.permute({0, 3, 1, 2});
}

struct Case {
  int64_t batch, c_in, side, c_out, kernel, stride, padding, output_padding;
};

}  // namespace

TEST(NarrowDeconv, ChosenOnlyForFewOutputChannelsOnCpusWithAvx512Bf16) {
  NarrowDeconvShape s{2, 64, 24, 24, 3, 48, 48, 5, 2, 2};
  EXPECT_EQ(narrow_deconv_suits(s), cpu_runs_it());
  s.c_out = 4;
  EXPECT_EQ(narrow_deconv_suits(s), cpu_runs_it());
  s.c_out = 5;
  EXPECT_FALSE(narrow_deconv_suits(s));
}

TEST(NarrowDeconv, MatchesLibTorchOnBf16RoundedOperands) {
  if (!cpu_runs_it()) {
    EXPECT_FALSE(narrow_deconv_suits({2, 64, 24, 24, 3, 48, 48, 5, 2, 2}));
    return;  // the kernel's instructions do not exist on this CPU
  }
  const Case cases[] = {
      {3, 64, 24, 3, 5, 2, 2, 0},  // G's last layer at 47 px: 64 channels, two whole registers
      {2, 64, 24, 3, 5, 2, 2, 1},  // ... at 48 px
      {2, 48, 7, 1, 5, 2, 2, 0},   // a tail of 16 channels, odd side
      {2, 100, 5, 4, 3, 1, 1, 0},  // stride 1, a tail of 4
      {2, 16, 6, 2, 4, 2, 1, 0},   // fewer channels than a register, even kernel
      {1, 33, 4, 3, 5, 3, 2, 2},   // stride 3, a tail of 1
  };
  for (const Case& c : cases) {
    const int64_t out_side = (c.side - 1) * c.stride - 2 * c.padding + c.kernel + c.output_padding;
    const std::string what = "c_in " + std::to_string(c.c_in) + " side " + std::to_string(c.side) +
                             " c_out " + std::to_string(c.c_out) + " stride " +
                             std::to_string(c.stride);
    torch::manual_seed(c.c_in + c.side);
    auto x = bf16_rounded(torch::randn({c.batch, c.c_in, c.side, c.side}));
    auto w = bf16_rounded(torch::randn({c.c_in, c.c_out, c.kernel, c.kernel}) * 0.1);
    auto b = torch::randn({c.c_out});
    NarrowDeconvShape s{c.batch,  c.c_in,   c.side,   c.side,   c.c_out,
                        out_side, out_side, c.kernel, c.stride, c.padding};
    auto want =
        torch::conv_transpose2d(x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble),
                                c.stride, c.padding, c.output_padding);
    auto got = run_narrow(s, x, w, b);
    ASSERT_EQ(got.sizes(), want.sizes()) << what;
    EXPECT_LE(relative_error(got, want), 1e-5) << what;
    auto no_bias = run_narrow(s, x, w, {});
    EXPECT_LE(relative_error(no_bias, want - b.to(torch::kDouble).view({1, -1, 1, 1})), 1e-5)
        << what << " without bias";
  }
}

TEST(NarrowDeconv, TheThreeChannelLayersOfBothModelsRunItInBf16) {
  if (!cpu_runs_it()) {
    EXPECT_FALSE(narrow_deconv_suits({2, 64, 24, 24, 3, 48, 48, 5, 2, 2}));
    return;
  }
  PrecisionScope bf16(Precision::kBf16);
  torch::manual_seed(3);
  // G's last layer at 48 px.
  auto x = torch::randn({2, 64, 24, 24});
  auto w = torch::randn({64, 3, 5, 5}) * 0.05;
  auto b = torch::randn({3});
  NarrowDeconvShape s{2, 64, 24, 24, 3, 48, 48, 5, 2, 2};
  auto y = fast_conv_transpose2d(x, w, b, 2, 2, 1);
  EXPECT_TRUE(torch::equal(y.contiguous(), run_narrow(s, x, w, b).contiguous()));
  // D's first layer: its input gradient is the same product of the upstream gradient.
  auto image = torch::randn({2, 3, 48, 48}).requires_grad_(true);
  auto conv_w = torch::randn({64, 3, 5, 5}) * 0.05;
  auto upstream = torch::randn({2, 64, 24, 24});
  (fast_conv2d(image, conv_w, torch::zeros({64}), 2, 2) * upstream).sum().backward();
  EXPECT_TRUE(
      torch::equal(image.grad().contiguous(), run_narrow(s, upstream, conv_w, {}).contiguous()));
}
