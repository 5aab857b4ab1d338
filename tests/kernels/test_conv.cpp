// The oneDNN (de)convolution layers against LibTorch's own: outputs and the gradients of input,
// weight and bias for every DCGAN layer geometry at sizes 32, 48 and 64 (relative error in
// the L2 norm <= 1e-4), plus channels-last outputs, skipped gradients and a larger layer's weight
// gradient going by tap.
#include <gtest/gtest.h>

#include <array>

#include "dcgan/kernels/choices.h"
#include "dcgan/kernels/conv.h"
#include "dcgan/kernels/tap_gemm_conv.h"

using namespace dcgan::kernels;

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

struct LayerCase {
  int64_t c_in, c_out, side_in, output_padding;  // side_in: input side; padding 0/1 for deconv
};

// The DCGAN's layer sides for output side `size`: ceil(size / 2^k), k = 0..4 (models.h).
std::array<int64_t, 5> layer_sides(int size) {
  std::array<int64_t, 5> s{};
  for (int k = 0; k < 5; ++k) s[k] = (size + (1 << k) - 1) >> k;
  return s;
}

// The D convs and G deconvs of the recipe layout for `size`, at width 16 (the kernels do not
// specialise on width beyond what 3 -> 16 -> ... -> 128 already exercises).
std::vector<LayerCase> conv_layers(int size) {
  auto s = layer_sides(size);
  const int64_t chans[5] = {3, 16, 32, 64, 128};
  std::vector<LayerCase> out;
  for (int i = 0; i < 4; ++i) out.push_back({chans[i], chans[i + 1], s[i], 0});
  return out;
}

std::vector<LayerCase> deconv_layers(int size) {
  auto s = layer_sides(size);
  const int64_t chans[5] = {128, 64, 32, 16, 3};
  std::vector<LayerCase> out;
  for (int i = 0; i < 4; ++i) {
    int64_t in = s[4 - i], want = s[3 - i];
    out.push_back({chans[i], chans[i + 1], in, want - (2 * in - 1)});
  }
  return out;
}

// Runs forward + backward with a fixed upstream gradient through `layer` and returns
// {output, grad input, grad weight, grad bias}.
template <class Layer>
std::vector<torch::Tensor> run(Layer layer, const torch::Tensor& x0, const torch::Tensor& w0,
                               const torch::Tensor& b0) {
  auto x = x0.clone().requires_grad_(true);
  auto w = w0.clone().requires_grad_(true);
  auto b = b0.clone().requires_grad_(true);
  auto y = layer(x, w, b);
  torch::manual_seed(7);
  auto upstream = torch::randn(y.sizes());
  (y * upstream).sum().backward();
  return {y.contiguous(), x.grad(), w.grad(), b.grad()};
}

void expect_close(const std::vector<torch::Tensor>& got, const std::vector<torch::Tensor>& want,
                  const std::string& what) {
  const char* names[4] = {"output", "grad input", "grad weight", "grad bias"};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(got[i].sizes(), want[i].sizes()) << what << " " << names[i];
    EXPECT_LE(relative_error(got[i], want[i]), 1e-4) << what << " " << names[i];
  }
}

TEST(FastConv, ConvolutionMatchesLibTorchForEveryDiscriminatorLayer) {
  for (int size : {32, 48, 64}) {
    for (const auto& c : conv_layers(size)) {
      torch::manual_seed(size);
      auto x = torch::randn({4, c.c_in, c.side_in, c.side_in});
      auto w = torch::randn({c.c_out, c.c_in, 5, 5}) * 0.05;
      auto b = torch::randn({c.c_out});
      auto fast = run([](auto x, auto w, auto b) { return fast_conv2d(x, w, b, 2, 2); }, x, w, b);
      auto ref = run([](auto x, auto w, auto b) { return torch::conv2d(x, w, b, 2, 2); }, x, w, b);
      expect_close(fast, ref,
                   "conv size " + std::to_string(size) + " in " + std::to_string(c.c_in) +
                       " side " + std::to_string(c.side_in));
    }
  }
}

TEST(FastConv, TransposedConvolutionMatchesLibTorchForEveryGeneratorLayer) {
  for (int size : {32, 48, 64}) {
    for (const auto& c : deconv_layers(size)) {
      torch::manual_seed(size);
      auto x = torch::randn({4, c.c_in, c.side_in, c.side_in});
      auto w = torch::randn({c.c_in, c.c_out, 5, 5}) * 0.05;
      auto b = torch::randn({c.c_out});
      const int64_t op = c.output_padding;
      auto fast =
          run([op](auto x, auto w, auto b) { return fast_conv_transpose2d(x, w, b, 2, 2, op); }, x,
              w, b);
      auto ref =
          run([op](auto x, auto w, auto b) { return torch::conv_transpose2d(x, w, b, 2, 2, op); },
              x, w, b);
      expect_close(fast, ref,
                   "deconv size " + std::to_string(size) + " in " + std::to_string(c.c_in) +
                       " side " + std::to_string(c.side_in));
    }
  }
}

TEST(FastConv, OddSizesUseTheExactRightPadding) {
  // 28 -> 14 -> 7 -> 4 -> 2: odd sides need output_padding 0 in the deconvs.
  for (const auto& c : deconv_layers(28)) {
    auto x = torch::randn({2, c.c_in, c.side_in, c.side_in});
    auto w = torch::randn({c.c_in, c.c_out, 5, 5});
    auto want = torch::conv_transpose2d(x, w, {}, 2, 2, c.output_padding);
    auto got = fast_conv_transpose2d(x, w, {}, 2, 2, c.output_padding);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LE(relative_error(got, want), 1e-4);
  }
}

TEST(FastConv, OutputIsChannelsLastAndSkipsUnneededGradients) {
  auto x = torch::randn({2, 8, 12, 12});  // no grad wanted for the input (like a real image)
  auto w = torch::randn({16, 8, 5, 5}).requires_grad_(true);
  auto b = torch::zeros({16}).requires_grad_(true);
  auto y = fast_conv2d(x, w, b, 2, 2);
  EXPECT_TRUE(y.is_contiguous(at::MemoryFormat::ChannelsLast));
  y.sum().backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(w.grad().defined());
  // Bias gradient of a sum is the number of output pixels per channel.
  EXPECT_NEAR(b.grad()[0].item<float>(), 2 * 6 * 6, 1e-3);
}

TEST(FastConv, ReorderedWeightsFollowInPlaceUpdates) {
  // The weight cache must notice the optimiser's in-place update, on the oneDNN path (6x6
  // input) and on the per-tap GEMM path (3x3).
  for (int64_t side : {6, 3}) {
    auto x = torch::randn({2, 16, side, side});
    auto w = torch::randn({16, 32, 5, 5});
    auto first = fast_conv_transpose2d(x, w, {}, 2, 2, 1);
    w.mul_(2);
    auto second = fast_conv_transpose2d(x, w, {}, 2, 2, 1);
    EXPECT_LE(relative_error(second, first * 2), 1e-5) << "side " << side;
  }
}

TEST(FastConv, WeightGradientByTapOnALargerLayerMatchesLibTorch) {
  // A layer over 50 MFLOP a pass times its weight gradient by tap against oneDNN's candidates
  // (conv.cpp); a replayed "per-tap gemm" choice forces that route. Both layers below are
  // 48@12x12 -> 64@6x6 in convolution terms, batch 12 (66 MFLOP).
  const std::string threads = " t" + std::to_string(torch::get_num_threads());
  replay_kernel_choices(
      {{"conv.bwd_weights b12 c48x12x12 -> 64x6x6 k5 s2 p2 bias" + threads, "per-tap gemm"},
       {"deconv.bwd_weights b12 c64x6x6 -> 48x12x12 k5 s2 p2 bias" + threads, "per-tap gemm"}});
  torch::manual_seed(3);
  auto x = torch::randn({12, 48, 12, 12});
  auto w = torch::randn({64, 48, 5, 5}) * 0.05;
  auto b = torch::randn({64});
  auto fast = run([](auto x, auto w, auto b) { return fast_conv2d(x, w, b, 2, 2); }, x, w, b);
  auto ref = run([](auto x, auto w, auto b) { return torch::conv2d(x, w, b, 2, 2); }, x, w, b);
  expect_close(fast, ref, "conv 48@12x12 -> 64@6x6");

  // The route taken: the per-tap products' own result, bit for bit (oneDNN sums in another
  // order). run() draws the upstream gradient from seed 7.
  torch::manual_seed(7);
  auto upstream = torch::randn({12, 64, 6, 6});
  auto nhwc = [](const torch::Tensor& t) { return t.permute({0, 2, 3, 1}).contiguous(); };
  auto x_nhwc = nhwc(x), upstream_nhwc = nhwc(upstream);
  auto hwio = torch::empty({5, 5, 48, 64});
  tap_conv_weight_gradient({12, 48, 12, 12, 64, 6, 6, 5, 2, 2}, x_nhwc.data_ptr<float>(),
                           upstream_nhwc.data_ptr<float>(), hwio.data_ptr<float>());
  EXPECT_TRUE(torch::equal(fast[2], hwio.permute({3, 2, 0, 1}))) << "not the per-tap route";

  auto small = torch::randn({12, 64, 6, 6});
  auto wt = torch::randn({64, 48, 5, 5}) * 0.05;
  auto bt = torch::randn({48});
  auto fast_t = run([](auto x, auto w, auto b) { return fast_conv_transpose2d(x, w, b, 2, 2, 1); },
                    small, wt, bt);
  auto ref_t = run([](auto x, auto w, auto b) { return torch::conv_transpose2d(x, w, b, 2, 2, 1); },
                   small, wt, bt);
  expect_close(fast_t, ref_t, "deconv 64@6x6 -> 48@12x12");
}

}  // namespace
