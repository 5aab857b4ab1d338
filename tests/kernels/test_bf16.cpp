// --precision bf16 in the kernels: every DCGAN layer's BF16 forward pass and gradients (oneDNN
// convolutions and transposed convolutions, the per-tap GEMM layers, the linear layers) at
// 32, 48 and 64 px, each checked twice:
//   - against the same maths in float64 applied to the BF16-rounded operands (relative L2 error
//     <= 1e-5; measured <= 4e-7): BF16 inputs, FP32 accumulation, FP32 outputs. Accumulating
//     in BF16 would be off by ~1e-3;
//   - against the plain FP32 layer: within BF16's tolerance (relative L2 error <= 1e-2), and not
//     equal to it (>= 1e-4; measured 8e-4 to 3e-3), which proves the layer did compute in BF16.
// Bias gradients are sums of the FP32 upstream gradient: within 1e-5 of FP32's.
// Where the CPU has AVX-512 but no native BF16, oneDNN emulates it with the same results; ctest
// also runs this binary with DNNL_MAX_CPU_ISA=AVX512_CORE, the emulation, on every machine
// with AVX-512. Below AVX-512 oneDNN 2.x has no BF16 kernels at all: the tests skip, saying so.
#include <gtest/gtest.h>

#include <array>

#include "dcgan/kernels/choices.h"
#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/linear.h"
#include "dcgan/kernels/precision.h"

using namespace dcgan::kernels;

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got.to(torch::kDouble) - want.to(torch::kDouble)).norm().item<double>() /
         std::max(want.to(torch::kDouble).norm().item<double>(), 1e-30);
}

torch::Tensor bf16_rounded(const torch::Tensor& t) {
  return t.to(torch::kBFloat16).to(torch::kFloat);
}

std::array<int64_t, 5> layer_sides(int size) {
  std::array<int64_t, 5> s{};
  for (int k = 0; k < 5; ++k) s[k] = (size + (1 << k) - 1) >> k;
  return s;
}

// One layer: forward and backward with a fixed upstream gradient.
struct Pass {
  torch::Tensor output, grad_input, grad_weight, grad_bias;
};

using LayerFn =
    std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&)>;

// Skips the calling test where oneDNN has no BF16 kernels.
#define SKIP_WITHOUT_ONEDNN_BF16()                                                  \
  if (!onednn_bf16_available())                                                     \
  GTEST_SKIP() << "oneDNN has no BF16 kernels below AVX-512 (this CPU: oneDNN isa " \
               << onednn_isa() << "); --precision bf16 is refused here"

Pass run(const LayerFn& layer, const torch::Tensor& x0, const torch::Tensor& w0,
         const torch::Tensor& b0, const torch::Tensor& upstream) {
  auto x = x0.clone().requires_grad_(true);
  auto w = w0.clone().requires_grad_(true);
  auto b = b0.clone().requires_grad_(true);
  auto y = layer(x, w, b);
  (y * upstream).sum().backward();
  return {y.detach().contiguous(), x.grad(), w.grad(), b.grad()};
}

// The layer applied to BF16-rounded operands in float64: what a BF16 layer that accumulates
// exactly would give. The upstream gradient is rounded too (the backward products read it in
// BF16), except for the bias gradient, the sum of the FP32 upstream gradient.
Pass bf16_operands_reference(const LayerFn& reference, const torch::Tensor& x,
                             const torch::Tensor& w, const torch::Tensor& b,
                             const torch::Tensor& upstream) {
  auto as_double = [](const torch::Tensor& t) { return bf16_rounded(t).to(torch::kDouble); };
  Pass p = run(reference, as_double(x), as_double(w), b.to(torch::kDouble), as_double(upstream));
  p.grad_bias = run(reference, x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble),
                    upstream.to(torch::kDouble))
                    .grad_bias;
  return p;
}

void check_layer(const std::string& what, const LayerFn& fast, const LayerFn& reference,
                 const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                 const torch::Tensor& upstream) {
  Pass fp32 = run(reference, x, w, b, upstream);
  Pass exact = bf16_operands_reference(reference, x, w, b, upstream);
  Pass bf16;
  {
    PrecisionScope scope(Precision::kBf16);
    bf16 = run(fast, x, w, b, upstream);
  }
  const std::array<std::pair<const char*, torch::Tensor Pass::*>, 4> parts = {
      {{"output", &Pass::output},
       {"grad input", &Pass::grad_input},
       {"grad weight", &Pass::grad_weight},
       {"grad bias", &Pass::grad_bias}}};
  for (const auto& [name, member] : parts) {
    const torch::Tensor& got = bf16.*member;
    ASSERT_TRUE(got.defined()) << what << " " << name;
    EXPECT_EQ(got.scalar_type(), torch::kFloat) << what << " " << name;
    ASSERT_EQ(got.sizes(), (fp32.*member).sizes()) << what << " " << name;
    EXPECT_LE(relative_error(got, exact.*member), 1e-5)
        << what << " " << name << ": not FP32 accumulation of BF16 operands";
    const double vs_fp32 = relative_error(got, fp32.*member);
    EXPECT_LE(vs_fp32, 1e-2) << what << " " << name << ": outside BF16's tolerance";
    if (std::string(name) != "grad bias") {  // the bias gradient sums one operand only
      EXPECT_GE(vs_fp32, 1e-4) << what << " " << name << ": computed in FP32, not BF16";
    }
  }
}

// The recipe's layers at width 16 (3 -> 16 -> 32 -> 64 -> 128 channels) with batch 4: every
// geometry the models run, on both the oneDNN and the per-tap GEMM paths (test_conv.cpp).
TEST(Bf16Layers, EveryDiscriminatorConvolutionAt32_48_64) {
  SKIP_WITHOUT_ONEDNN_BF16();
  const int64_t chans[5] = {3, 16, 32, 64, 128};
  for (int size : {32, 48, 64}) {
    auto s = layer_sides(size);
    for (int i = 0; i < 4; ++i) {
      torch::manual_seed(size * 10 + i);
      auto x = torch::randn({4, chans[i], s[i], s[i]});
      auto w = torch::randn({chans[i + 1], chans[i], 5, 5}) * 0.05;
      auto b = torch::randn({chans[i + 1]});
      auto up = torch::randn({4, chans[i + 1], s[i + 1], s[i + 1]});
      check_layer(
          "conv " + std::to_string(size) + " px layer " + std::to_string(i + 1),
          [](auto x, auto w, auto b) { return fast_conv2d(x, w, b, 2, 2); },
          [](auto x, auto w, auto b) { return torch::conv2d(x, w, b, 2, 2); }, x, w, b, up);
    }
  }
}

TEST(Bf16Layers, EveryGeneratorTransposedConvolutionAt32_48_64) {
  SKIP_WITHOUT_ONEDNN_BF16();
  const int64_t chans[5] = {128, 64, 32, 16, 3};
  for (int size : {32, 48, 64}) {
    auto s = layer_sides(size);
    for (int i = 0; i < 4; ++i) {
      const int64_t in = s[4 - i], out = s[3 - i], op = out - (2 * in - 1);
      torch::manual_seed(size * 10 + i);
      auto x = torch::randn({4, chans[i], in, in});
      auto w = torch::randn({chans[i], chans[i + 1], 5, 5}) * 0.05;
      auto b = torch::randn({chans[i + 1]});
      auto up = torch::randn({4, chans[i + 1], out, out});
      check_layer(
          "deconv " + std::to_string(size) + " px layer " + std::to_string(i + 1),
          [op](auto x, auto w, auto b) { return fast_conv_transpose2d(x, w, b, 2, 2, op); },
          [op](auto x, auto w, auto b) { return torch::conv_transpose2d(x, w, b, 2, 2, op); }, x, w,
          b, up);
    }
  }
}

TEST(Bf16Layers, WeightGradientByTapOnALargerLayer) {
  SKIP_WITHOUT_ONEDNN_BF16();
  // A replayed "per-tap gemm" choice sends a larger layer's weight gradient by tap (conv.cpp;
  // test_conv.cpp checks the route in FP32): 48@12x12 -> 64@6x6 in convolution terms, batch 12.
  const std::string threads = " t" + std::to_string(torch::get_num_threads());
  replay_kernel_choices(
      {{"conv.bwd_weights b12 c48x12x12 -> 64x6x6 k5 s2 p2 bias" + threads + " bf16",
        "per-tap gemm"},
       {"deconv.bwd_weights b12 c64x6x6 -> 48x12x12 k5 s2 p2 bias" + threads + " bf16",
        "per-tap gemm"}});
  torch::manual_seed(5);
  auto x = torch::randn({12, 48, 12, 12});
  auto w = torch::randn({64, 48, 5, 5}) * 0.05;
  check_layer(
      "conv 48@12x12 -> 64@6x6", [](auto x, auto w, auto b) { return fast_conv2d(x, w, b, 2, 2); },
      [](auto x, auto w, auto b) { return torch::conv2d(x, w, b, 2, 2); }, x, w, torch::randn({64}),
      torch::randn({12, 64, 6, 6}));
  check_layer(
      "deconv 64@6x6 -> 48@12x12",
      [](auto x, auto w, auto b) { return fast_conv_transpose2d(x, w, b, 2, 2, 1); },
      [](auto x, auto w, auto b) { return torch::conv_transpose2d(x, w, b, 2, 2, 1); },
      torch::randn({12, 64, 6, 6}), w, torch::randn({48}), torch::randn({12, 48, 12, 12}));
}

TEST(Bf16Layers, LinearLayersOfBothModelsAt32_48_64) {
  SKIP_WITHOUT_ONEDNN_BF16();
  for (int size : {32, 48, 64}) {
    const int64_t s4 = layer_sides(size)[4], features = 128 * s4 * s4;
    // G's projection of z (100 -> 8gf x s4 x s4) and D's logit (8df x s4 x s4 -> 1).
    for (auto [in, out] : {std::pair<int64_t, int64_t>{100, features}, {features, 1}}) {
      torch::manual_seed(size + in);
      torch::nn::Linear linear(in, out);
      auto x = torch::randn({8, in});
      auto up = torch::randn({8, out});
      check_layer(
          "linear " + std::to_string(size) + " px " + std::to_string(in) + " -> " +
              std::to_string(out),
          [&linear](auto x, auto w, auto b) {
            // The module computes with the test's leaves, whose gradients are checked.
            linear->weight = w;
            linear->bias = b;
            return fast_forward(*linear, x);
          },
          [](auto x, auto w, auto b) { return torch::nn::functional::linear(x, w, b); }, x,
          linear->weight.detach() * 1, linear->bias.detach() * 1, up);
    }
  }
}

TEST(Bf16Layers, Fp32IsUntouchedByTheBf16Path) {
  SKIP_WITHOUT_ONEDNN_BF16();
  // fp32 stays the LibTorch linear exactly, and a layer built in bf16 does not leak into fp32.
  torch::manual_seed(3);
  torch::nn::Linear linear(100, 64);
  auto x = torch::randn({8, 100});
  auto want = linear->forward(x);
  {
    PrecisionScope scope(Precision::kBf16);
    (void)fast_forward(*linear, x);
  }
  EXPECT_TRUE(torch::equal(fast_forward(*linear, x), want));
  auto xc = torch::randn({2, 16, 12, 12});
  auto w = torch::randn({32, 16, 5, 5}) * 0.05;
  auto fp32_before = fast_conv2d(xc, w, {}, 2, 2);
  {
    PrecisionScope scope(Precision::kBf16);
    (void)fast_conv2d(xc, w, {}, 2, 2);
  }
  EXPECT_TRUE(torch::equal(fast_conv2d(xc, w, {}, 2, 2), fp32_before));
}

TEST(Bf16Layers, Bf16WeightCopiesFollowInPlaceUpdates) {
  SKIP_WITHOUT_ONEDNN_BF16();
  // The BF16 copy of a weight is kept per parameter version, on the oneDNN path (6x6 input),
  // the per-tap GEMM path (3x3) and in the linear layer. Doubling is exact in BF16.
  PrecisionScope scope(Precision::kBf16);
  for (int64_t side : {6, 3}) {
    auto x = torch::randn({2, 16, side, side});
    auto w = torch::randn({16, 32, 5, 5});
    auto first = fast_conv_transpose2d(x, w, {}, 2, 2, 1);
    w.mul_(2);
    auto second = fast_conv_transpose2d(x, w, {}, 2, 2, 1);
    EXPECT_LE(relative_error(second, first * 2), 1e-6) << "side " << side;
  }
  torch::nn::Linear linear(32, 16);
  auto x = torch::randn({4, 32});
  auto first = fast_forward(*linear, x) - linear->bias;
  {
    torch::NoGradGuard no_grad;
    linear->weight.mul_(2);
  }
  auto second = fast_forward(*linear, x) - linear->bias;
  EXPECT_LE(relative_error(second, first * 2), 1e-6);
}

TEST(Bf16Layers, KernelChoicesAreFiledPerPrecision) {
  SKIP_WITHOUT_ONEDNN_BF16();
  // A layer over 50 MFLOP a pass is tuned and its choice recorded; the bf16 one under its own
  // key, so that a run never replays an fp32 choice for a bf16 layer or the reverse.
  auto x = torch::randn({16, 64, 24, 24});
  auto w = torch::randn({128, 64, 5, 5}) * 0.05;
  auto b = torch::zeros({128});
  (void)fast_conv2d(x, w, b, 2, 2);
  {
    PrecisionScope scope(Precision::kBf16);
    (void)fast_conv2d(x, w, b, 2, 2);
  }
  const std::string key = "conv.fwd b16 c64x24x24 -> 128x12x12 k5 s2 p2 bias t" +
                          std::to_string(torch::get_num_threads());
  const KernelChoices choices = kernel_choices();
  EXPECT_EQ(choices.count(key), 1u) << key;
  EXPECT_EQ(choices.count(key + " bf16"), 1u) << key << " bf16";
}

}  // namespace
