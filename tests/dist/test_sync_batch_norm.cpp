// Synchronised BatchNorm: in a job of one it is torch::nn::BatchNorm2d plus the activation
// (output, every gradient, running statistics); in a job of two real processes, each with half
// of a batch, the outputs and the input gradients are those of one process with the whole
// batch, and the ranks' averaged gamma/beta gradients and their running statistics too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "dcgan/dist/launcher.h"
#include "dcgan/dist/sync_batch_norm.h"
#include "support/test_support.h"

using dcgan::dist::DistEnv;
using dcgan::dist::Group;
using dcgan::dist::GroupOptions;
using dcgan::testing::ChildProcess;
using dcgan::testing::TempDir;

namespace {

constexpr int64_t kBatch = 8, kChannels = 5, kSide = 6;

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / std::max(want.norm().item<double>(), 1e-30);
}

torch::nn::BatchNorm2d make_bn() {
  torch::manual_seed(3);
  torch::nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(kChannels).eps(1e-5).momentum(0.1));
  torch::NoGradGuard no_grad;
  bn->weight.uniform_(0.5, 1.5);
  bn->bias.uniform_(-0.5, 0.5);
  return bn;
}

// The whole batch and the upstream gradient, the same in every process.
std::pair<torch::Tensor, torch::Tensor> batch() {
  torch::manual_seed(11);
  return {torch::randn({kBatch, kChannels, kSide, kSide}) * 2 + 0.5,
          torch::randn({kBatch, kChannels, kSide, kSide})};
}

// act(BN(x)) through `bn` and its gradients {out, dx, dgamma, dbeta}; `sync` uses the group.
std::vector<torch::Tensor> run(torch::nn::BatchNorm2d& bn, const torch::Tensor& x0,
                               const torch::Tensor& upstream, double slope, Group* group) {
  torch::Tensor x = x0.clone().requires_grad_(true);
  bn->weight.mutable_grad() = torch::Tensor();
  bn->bias.mutable_grad() = torch::Tensor();
  torch::Tensor out = group != nullptr ? dcgan::dist::sync_batch_norm_act(x, *bn, slope, *group)
                      : slope == 0     ? torch::relu(bn->forward(x))
                                       : torch::leaky_relu(bn->forward(x), slope);
  // The loss is a mean over the images, so each rank's is over its own half.
  (out * upstream).sum().div(x.size(0)).backward();
  return {out.detach(), x.grad(), bn->weight.grad().clone(), bn->bias.grad().clone()};
}

DistEnv job_of_one() {
  DistEnv env;
  env.master_addr = "127.0.0.1";
  env.master_port = dcgan::dist::free_loopback_port();
  return env;
}

TEST(SyncBatchNorm, AloneEqualsTorchBatchNormAndActivation) {
  Group group(job_of_one(), GroupOptions{}, false);
  auto [x, upstream] = batch();
  for (double slope : {0.0, 0.2}) {
    auto reference_bn = make_bn();
    auto sync_bn = make_bn();
    const auto want = run(reference_bn, x, upstream, slope, nullptr);
    const auto got = run(sync_bn, x, upstream, slope, &group);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_LT(relative_error(got[i], want[i]), 1e-5) << "slope " << slope << " tensor " << i;
    }
    EXPECT_LT(relative_error(sync_bn->running_mean, reference_bn->running_mean), 1e-6);
    EXPECT_LT(relative_error(sync_bn->running_var, reference_bn->running_var), 1e-6);
    EXPECT_EQ(sync_bn->num_batches_tracked.item<int64_t>(), 1);
  }
}

// Rank r of two: its half of the batch through sync BN; writes what it computed.
TEST(SyncBatchNorm, DISABLED_Rank) {
  const char* out_path = std::getenv("DCGAN_TEST_OUT");
  if (out_path == nullptr) return;
  Group group(dcgan::dist::read_dist_env(""), GroupOptions{}, false);
  auto [x, upstream] = batch();
  const int64_t half = kBatch / 2, start = group.rank() * half;
  auto bn = make_bn();
  auto got = run(bn, x.narrow(0, start, half), upstream.narrow(0, start, half), 0.2, &group);
  group.average({got[2], got[3]});  // what the trainer's gradient averaging does
  got.push_back(bn->running_mean.clone());
  got.push_back(bn->running_var.clone());
  torch::save(got, out_path);
}

TEST(SyncBatchNorm, TwoRanksOfHalfABatchEqualOneProcessWithTheWholeBatch) {
  TempDir tmp;
  const int port = dcgan::dist::free_loopback_port();
  std::unique_ptr<ChildProcess> ranks[2];
  for (int r = 0; r < 2; ++r) {
    ranks[r] = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/env", "WORLD_SIZE=2", "RANK=" + std::to_string(r),
                                 "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
                                 "DCGAN_TEST_OUT=" + tmp / ("rank" + std::to_string(r) + ".pt"),
                                 dcgan::dist::own_program(), "--gtest_also_run_disabled_tests",
                                 "--gtest_filter=SyncBatchNorm.DISABLED_Rank"},
        tmp / ("rank" + std::to_string(r) + ".log"));
  }
  for (auto& rank : ranks) ASSERT_EQ(rank->wait_exit(std::chrono::seconds(60)), 0) << rank->log();

  auto [x, upstream] = batch();
  auto bn = make_bn();
  const auto whole = run(bn, x, upstream, 0.2, nullptr);
  std::vector<torch::Tensor> halves[2];
  for (int r = 0; r < 2; ++r) torch::load(halves[r], tmp / ("rank" + std::to_string(r) + ".pt"));
  // Each rank's loss is over its half: its input gradients are twice the whole batch's.
  const torch::Tensor out = torch::cat({halves[0][0], halves[1][0]});
  const torch::Tensor dx = torch::cat({halves[0][1], halves[1][1]}) / 2;
  EXPECT_LT(relative_error(out, whole[0]), 1e-5);
  EXPECT_LT(relative_error(dx, whole[1]), 1e-5);
  for (int r = 0; r < 2; ++r) {
    EXPECT_LT(relative_error(halves[r][2], whole[2]), 1e-5) << "dgamma, rank " << r;
    EXPECT_LT(relative_error(halves[r][3], whole[3]), 1e-5) << "dbeta, rank " << r;
    EXPECT_LT(relative_error(halves[r][4], bn->running_mean), 1e-5) << "running mean";
    EXPECT_LT(relative_error(halves[r][5], bn->running_var), 1e-5) << "running var";
  }
}

}  // namespace
