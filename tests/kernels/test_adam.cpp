// FusedAdam against torch::optim::Adam: the same parameters after several steps with the
// recipe's hyper-parameters, the same state entries (so optimizer checkpoints are shared),
// and the fallback for options the fused loop does not handle.
#include <gtest/gtest.h>

#include "dcgan/kernels/adam.h"

namespace {

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

template <class Optimizer>
std::vector<torch::Tensor> train(torch::optim::AdamOptions options, int steps,
                                 std::unique_ptr<torch::optim::Adam>* keep = nullptr) {
  torch::manual_seed(0);
  std::vector<torch::Tensor> params = {torch::randn({300, 70}).requires_grad_(true),
                                       torch::randn({5}).requires_grad_(true)};
  auto optimizer = std::make_unique<Optimizer>(params, options);
  for (int i = 0; i < steps; ++i) {
    optimizer->zero_grad();
    auto loss = (params[0].pow(3).sum() + params[1].sin().sum()) * 0.01;
    loss.backward();
    optimizer->step();
  }
  if (keep) *keep = std::move(optimizer);
  return params;
}

TEST(FusedAdam, SameParametersAsLibTorchAdam) {
  auto options = torch::optim::AdamOptions(2e-4).betas({0.5, 0.999});
  auto fused = train<dcgan::kernels::FusedAdam>(options, 7);
  auto plain = train<torch::optim::Adam>(options, 7);
  for (size_t i = 0; i < fused.size(); ++i) {
    EXPECT_LE(relative_error(fused[i], plain[i]), 1e-6) << i;
  }
}

TEST(FusedAdam, StateIsTheSameAsLibTorchAdams) {
  auto options = torch::optim::AdamOptions(1e-3);
  std::unique_ptr<torch::optim::Adam> fused, plain;
  train<dcgan::kernels::FusedAdam>(options, 3, &fused);
  train<torch::optim::Adam>(options, 3, &plain);
  ASSERT_EQ(fused->state().size(), 2u);
  ASSERT_EQ(plain->state().size(), 2u);
  for (auto& [key, state] : plain->state()) {
    (void)key;
    EXPECT_EQ(static_cast<torch::optim::AdamParamState&>(*state).step(), 3);
  }
  for (auto& [key, state] : fused->state()) {
    (void)key;
    EXPECT_EQ(static_cast<torch::optim::AdamParamState&>(*state).step(), 3);
  }
}

// Caches keyed on a tensor's version (fast_conv's reordered weights) must see every update.
TEST(FusedAdam, StepBumpsTheParameterVersion) {
  auto param = torch::randn({40}).requires_grad_(true);
  dcgan::kernels::FusedAdam optimizer({param}, torch::optim::AdamOptions(1e-3));
  param.sum().backward();
  const auto before = param._version();
  optimizer.step();
  EXPECT_GT(param._version(), before);
}

TEST(FusedAdam, FallsBackForWeightDecay) {
  auto options = torch::optim::AdamOptions(1e-3).weight_decay(0.1);
  auto fused = train<dcgan::kernels::FusedAdam>(options, 4);
  auto plain = train<torch::optim::Adam>(options, 4);
  for (size_t i = 0; i < fused.size(); ++i) EXPECT_LE(relative_error(fused[i], plain[i]), 1e-6);
}

}  // namespace
