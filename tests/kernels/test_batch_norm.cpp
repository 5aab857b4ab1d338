// Fused BN + ReLU/LeakyReLU against torch::nn::BatchNorm2d followed by the activation: output,
// gradients of input, gamma and beta (relative L2 error <= 1e-4), running statistics, and the
// evaluation-mode fallback.
#include <gtest/gtest.h>

#include "dcgan/kernels/batch_norm.h"

namespace {

namespace nn = torch::nn;

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

nn::BatchNorm2d make_bn(int64_t channels) {
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(channels).eps(1e-5).momentum(0.1));
  torch::NoGradGuard no_grad;
  bn->weight.uniform_(0.5, 1.5);
  bn->bias.uniform_(-0.5, 0.5);
  return bn;
}

struct BnResult {
  torch::Tensor y, grad_x, grad_gamma, grad_beta, running_mean, running_var;
};

BnResult run(bool fast, const torch::Tensor& x0, double slope, const torch::Tensor& upstream,
             const nn::BatchNorm2d& init) {
  auto bn = make_bn(x0.size(1));
  {
    torch::NoGradGuard no_grad;
    bn->weight.copy_(init->weight);
    bn->bias.copy_(init->bias);
  }
  auto x = x0.clone().requires_grad_(true);
  torch::Tensor y;
  if (fast) {
    y = dcgan::kernels::fast_batch_norm_act(x, *bn, slope);
  } else {
    auto t = bn->forward(x);
    y = slope == 0 ? torch::relu(t) : torch::leaky_relu(t, slope);
  }
  (y * upstream).sum().backward();
  return {y,
          x.grad(),
          bn->weight.grad(),
          bn->bias.grad(),
          bn->running_mean.clone(),
          bn->running_var.clone()};
}

TEST(FastBatchNorm, MatchesLibTorchForTheModelsShapes) {
  // (B, C, S, S) as after the G/D layers at sizes 32, 48 and 64 (narrow widths).
  const std::vector<std::vector<int64_t>> shapes = {{8, 64, 2, 2}, {8, 32, 4, 4},  {8, 16, 8, 8},
                                                    {8, 64, 3, 3}, {8, 32, 6, 6},  {8, 16, 12, 12},
                                                    {8, 64, 4, 4}, {8, 16, 16, 16}};
  for (double slope : {0.0, 0.2}) {
    for (const auto& shape : shapes) {
      torch::manual_seed(3);
      auto x = torch::randn(shape) * 2 + 0.5;
      auto upstream = torch::randn(shape);
      auto init = make_bn(shape[1]);
      BnResult fast = run(true, x, slope, upstream, init);
      BnResult ref = run(false, x, slope, upstream, init);
      std::string what = "slope " + std::to_string(slope) + " C " + std::to_string(shape[1]) +
                         " S " + std::to_string(shape[2]);
      EXPECT_TRUE(fast.y.is_contiguous(at::MemoryFormat::ChannelsLast)) << what;
      EXPECT_LE(relative_error(fast.y, ref.y), 1e-4) << what;
      EXPECT_LE(relative_error(fast.grad_x, ref.grad_x), 1e-4) << what;
      EXPECT_LE(relative_error(fast.grad_gamma, ref.grad_gamma), 1e-4) << what;
      EXPECT_LE(relative_error(fast.grad_beta, ref.grad_beta), 1e-4) << what;
      EXPECT_LE(relative_error(fast.running_mean, ref.running_mean), 1e-5) << what;
      EXPECT_LE(relative_error(fast.running_var, ref.running_var), 1e-5) << what;
    }
  }
}

TEST(FastBatchNorm, EvaluationModeUsesRunningStatistics) {
  auto bn = make_bn(4);
  {
    torch::NoGradGuard no_grad;
    bn->running_mean.fill_(1.0);
    bn->running_var.fill_(4.0);
  }
  bn->eval();
  auto x = torch::full({2, 4, 3, 3}, 3.0);
  auto y = dcgan::kernels::fast_batch_norm_act(x, *bn, 0.0);
  auto want = torch::relu((x - 1.0) / std::sqrt(4.0 + 1e-5) * bn->weight.view({1, 4, 1, 1}) +
                          bn->bias.view({1, 4, 1, 1}));
  EXPECT_LE(relative_error(y, want), 1e-6);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
}

}  // namespace
