// The per-tap GEMM convolution (forward, input gradient with its optional bias, weight
// gradient) against LibTorch's conv2d and autograd, on shapes beyond the DCGAN's: other kernels,
// strides and paddings, non-square images, channel counts that are not multiples of the
// 16-channel split, rows no output reads, taps that read only padding, and one to three threads
// (the weight gradient splits the taps between the threads by their work). The BF16 versions
// against the same maths in float64 on BF16-rounded operands (FP32 accumulation: <= 1e-5).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dcgan/kernels/precision.h"
#include "dcgan/kernels/tap_gemm_conv.h"

using namespace dcgan::kernels;

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

torch::Tensor nhwc(const torch::Tensor& t) { return t.permute({0, 2, 3, 1}).contiguous(); }
torch::Tensor hwio(const torch::Tensor& w) { return w.permute({2, 3, 1, 0}).contiguous(); }
torch::Tensor howi(const torch::Tensor& w) { return w.permute({2, 0, 3, 1}).contiguous(); }

std::string describe(const TapConvShape& s, int threads) {
  return "batch " + std::to_string(s.batch) + " " + std::to_string(s.c_in) + "x" +
         std::to_string(s.h_in) + "x" + std::to_string(s.w_in) + " -> " + std::to_string(s.c_out) +
         "x" + std::to_string(s.h_out) + "x" + std::to_string(s.w_out) + " k" +
         std::to_string(s.kernel) + " s" + std::to_string(s.stride) + " p" +
         std::to_string(s.padding) + ", " + std::to_string(threads) + " thread(s)";
}

void check_shape(const TapConvShape& s, int threads) {
  const std::string what = describe(s, threads);
  torch::set_num_threads(threads);
  torch::manual_seed(s.c_in * 100 + s.c_out);
  auto x = torch::randn({s.batch, s.c_in, s.h_in, s.w_in}).requires_grad_(true);
  auto w = (torch::randn({s.c_out, s.c_in, s.kernel, s.kernel}) * 0.1).requires_grad_(true);
  auto bias = torch::randn({s.c_out});
  auto in_bias = torch::randn({s.c_in});
  auto y = torch::conv2d(x, w, bias, s.stride, s.padding);
  ASSERT_EQ(y.size(2), s.h_out) << what;
  ASSERT_EQ(y.size(3), s.w_out) << what;
  auto upstream = torch::randn(y.sizes());
  (y * upstream).sum().backward();

  auto x_nhwc = nhwc(x.detach()), w_hwio = hwio(w.detach()), w_howi = howi(w.detach());
  auto up_nhwc = nhwc(upstream);
  auto out = torch::full({s.batch, s.h_out, s.w_out, s.c_out}, 12345.0f);  // must be overwritten
  tap_conv_forward(s, x_nhwc.data_ptr<float>(), w_hwio.data_ptr<float>(), bias.data_ptr<float>(),
                   out.data_ptr<float>());
  EXPECT_LE(relative_error(out, nhwc(y.detach())), 1e-5) << what << ": forward";

  auto in_grad = torch::full({s.batch, s.h_in, s.w_in, s.c_in}, 12345.0f);
  tap_conv_input_gradient(s, up_nhwc.data_ptr<float>(), w_howi.data_ptr<float>(),
                          in_bias.data_ptr<float>(), in_grad.data_ptr<float>());
  EXPECT_LE(relative_error(in_grad, nhwc(x.grad()) + in_bias), 1e-5) << what << ": input grad";
  tap_conv_input_gradient(s, up_nhwc.data_ptr<float>(), w_howi.data_ptr<float>(), nullptr,
                          in_grad.data_ptr<float>());
  EXPECT_LE(relative_error(in_grad, nhwc(x.grad())), 1e-5) << what << ": input grad, no bias";

  auto w_grad = torch::full({s.kernel, s.kernel, s.c_in, s.c_out}, 12345.0f);
  tap_conv_weight_gradient(s, x_nhwc.data_ptr<float>(), up_nhwc.data_ptr<float>(),
                           w_grad.data_ptr<float>());
  EXPECT_LE(relative_error(w_grad, hwio(w.grad())), 1e-5) << what << ": weight grad";
}

torch::Tensor bf16(const torch::Tensor& t) { return t.to(torch::kBFloat16).contiguous(); }
const c10::BFloat16* bf16_data(const torch::Tensor& t) { return t.data_ptr<c10::BFloat16>(); }

void check_shape_bf16(const TapConvShape& s, int threads) {
  const std::string what = describe(s, threads);
  torch::set_num_threads(threads);
  torch::manual_seed(s.c_in * 100 + s.c_out);
  // The reference in float64 on the BF16 values themselves.
  auto x = torch::randn({s.batch, s.c_in, s.h_in, s.w_in}).to(torch::kBFloat16).to(torch::kDouble);
  auto w = (torch::randn({s.c_out, s.c_in, s.kernel, s.kernel}) * 0.1)
               .to(torch::kBFloat16)
               .to(torch::kDouble);
  auto bias = torch::randn({s.c_out});
  auto in_bias = torch::randn({s.c_in});
  x.requires_grad_(true);
  w.requires_grad_(true);
  auto y = torch::conv2d(x, w, bias.to(torch::kDouble), s.stride, s.padding);
  auto upstream = torch::randn(y.sizes()).to(torch::kBFloat16).to(torch::kDouble);
  (y * upstream).sum().backward();

  auto x_nhwc = bf16(nhwc(x.detach())), up_nhwc = bf16(nhwc(upstream));
  auto w_hwio = bf16(hwio(w.detach()));
  auto out = torch::full({s.batch, s.h_out, s.w_out, s.c_out}, 12345.0f);  // must be overwritten
  tap_conv_forward(s, bf16_data(x_nhwc), bf16_data(w_hwio), bias.data_ptr<float>(),
                   out.data_ptr<float>());
  EXPECT_LE(relative_error(out.to(torch::kDouble), nhwc(y.detach())), 1e-5) << what << ": forward";

  auto in_grad = torch::full({s.batch, s.h_in, s.w_in, s.c_in}, 12345.0f);
  tap_conv_input_gradient(s, bf16_data(up_nhwc), bf16_data(w_hwio), in_bias.data_ptr<float>(),
                          in_grad.data_ptr<float>());
  EXPECT_LE(relative_error(in_grad.to(torch::kDouble), nhwc(x.grad()) + in_bias.to(torch::kDouble)),
            1e-5)
      << what << ": input grad";

  auto w_grad = torch::full({s.kernel, s.kernel, s.c_in, s.c_out}, 12345.0f);
  tap_conv_weight_gradient(s, bf16_data(x_nhwc), bf16_data(up_nhwc), w_grad.data_ptr<float>());
  EXPECT_LE(relative_error(w_grad.to(torch::kDouble), hwio(w.grad())), 1e-5)
      << what << ": weight grad";
}

const std::vector<TapConvShape> kGeneralShapes = {
    {2, 33, 6, 6, 48, 3, 3, 5, 2, 2},  // the DCGAN's 48 px end, odd channel counts
    {4, 16, 4, 3, 17, 2, 2, 5, 2, 2},  // non-square, 2x2 output
    {3, 7, 5, 7, 20, 5, 7, 3, 1, 1},   // stride 1, kernel 3, 35 output pixels
    {1, 5, 9, 10, 8, 2, 2, 5, 3, 0},   // no padding; the last input row and column unread
    {2, 24, 8, 8, 40, 4, 4, 4, 2, 1},  // PyTorch-DCGAN style k4 s2 p1
    {5, 3, 7, 7, 64, 1, 1, 7, 1, 0},   // one output pixel seeing the whole image
    {3, 6, 2, 3, 10, 1, 2, 5, 2, 2},   // most taps only ever read padding
};

TEST(TapGemmConv, Bf16MatchesFp32OnBf16OperandsOnGeneralShapes) {
  if (!onednn_bf16_available()) {
    GTEST_SKIP() << "oneDNN has no BF16 kernels below AVX-512 (oneDNN isa " << onednn_isa() << ")";
  }
  const int before = torch::get_num_threads();
  for (const auto& s : kGeneralShapes) {
    for (int threads : {1, 2, 3}) check_shape_bf16(s, threads);
  }
  torch::set_num_threads(before);
}

TEST(TapGemmConv, MatchesLibTorchOnGeneralShapes) {
  const int before = torch::get_num_threads();
  for (const auto& s : kGeneralShapes) {
    for (int threads : {1, 2, 3}) check_shape(s, threads);
  }
  torch::set_num_threads(before);
}

TEST(TapGemmConv, ChosenOnlyForSmallOutputs) {
  EXPECT_TRUE(tap_conv_suits({64, 256, 6, 6, 512, 3, 3, 5, 2, 2}));
  EXPECT_TRUE(tap_conv_suits({64, 256, 8, 8, 512, 4, 4, 5, 2, 2}));
  EXPECT_FALSE(tap_conv_suits({64, 128, 12, 12, 256, 6, 6, 5, 2, 2}));
  // The weight gradient alone is timed against oneDNN's up to 8x8 outputs.
  EXPECT_TRUE(tap_weight_gradient_may_suit({64, 128, 12, 12, 256, 6, 6, 5, 2, 2}));
  EXPECT_TRUE(tap_weight_gradient_may_suit({64, 128, 16, 16, 256, 8, 8, 5, 2, 2}));
  EXPECT_FALSE(tap_weight_gradient_may_suit({64, 64, 24, 24, 128, 12, 12, 5, 2, 2}));
  EXPECT_FALSE(tap_weight_gradient_may_suit({64, 3, 48, 48, 64, 24, 24, 5, 2, 2}));
}

}  // namespace
