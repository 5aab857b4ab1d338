// The c10d process group over real loopback TCP, with two real processes: this test binary
// started again as rank 0 and rank 1 (the DISABLED_Rank case, which runs only when asked to).
// Averages (after a backward pass, and overlapping one), sums and broadcasts agree on both
// ranks, across several buckets; a rank killed with
// SIGKILL and a rank that hangs (SIGSTOP) are each named by the survivor within the bound its
// --dist-timeout sets. Also the launcher environment: torchrun's and Slurm's variables.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "dcgan/core/error.h"
#include "dcgan/dist/env.h"
#include "dcgan/dist/group.h"
#include "dcgan/dist/launcher.h"
#include "support/test_support.h"

using dcgan::dist::DistEnv;
using dcgan::dist::Group;
using dcgan::dist::GroupOptions;
using dcgan::testing::ChildProcess;
using dcgan::testing::TempDir;

namespace {

// OverlappedAverage over a three-layer chain whose loss differs between the ranks: every
// bucket's all-reduce starts from the hooks, before backward() returns, and the gradients end
// as Group::average makes them; a backward pass without prepare() is left alone.
bool overlapped_average_is_the_mean(Group& group) {
  torch::manual_seed(3);  // the same layers on both ranks
  torch::nn::Sequential net(torch::nn::Linear(6, 5), torch::nn::Tanh(), torch::nn::Linear(5, 4),
                            torch::nn::Tanh(), torch::nn::Linear(4, 1));
  const torch::Tensor x = torch::randn({3, 6}) * (group.rank() + 1);
  dcgan::dist::OverlappedAverage overlapped(group, net->parameters(), /*bucket_bytes=*/64);
  bool ok = overlapped.buckets() > 2;
  auto gradients = [&] {
    std::vector<torch::Tensor> grads;
    for (const auto& p : net->parameters()) grads.push_back(p.grad().clone());
    return grads;
  };
  net->zero_grad();
  net->forward(x).sum().backward();
  const std::vector<torch::Tensor> own = gradients();
  std::vector<torch::Tensor> mean = gradients();
  group.average(mean);
  for (int pass = 0; pass < 2; ++pass) {  // the hooks arm again for every pass
    net->zero_grad();
    overlapped.prepare();
    net->forward(x).sum().backward();
    overlapped.finish();
    ok = ok && overlapped.started_during_pass() == overlapped.buckets();
    const auto grads = gradients();
    for (size_t i = 0; i < grads.size(); ++i) ok = ok && torch::equal(grads[i], mean[i]);
  }
  net->zero_grad();
  net->forward(x).sum().backward();  // not prepared: this rank's own gradients stay
  const auto grads = gradients();
  bool some_differ = false;  // from the mean (the last bias's gradient is the same everywhere)
  for (size_t i = 0; i < grads.size(); ++i) {
    ok = ok && torch::equal(grads[i], own[i]);
    some_differ = some_differ || !torch::equal(own[i], mean[i]);
  }
  return ok && some_differ;
}

// What a rank does, chosen by DCGAN_TEST_ROLE; it writes "ok" or the error to DCGAN_TEST_OUT.
void run_rank(const std::string& role, const std::string& out_path) {
  std::ofstream out(out_path);
  try {
    GroupOptions options;
    options.timeout = std::chrono::seconds(std::atoi(std::getenv("DCGAN_TEST_TIMEOUT")));
    options.bucket_bytes = 64;  // several buckets for the tensors below
    const DistEnv env = dcgan::dist::read_dist_env("");
    Group group(env, options, /*cuda=*/false);
    const float r = static_cast<float>(group.rank());
    std::vector<torch::Tensor> grads{torch::full({3, 5}, r + 1), torch::full({40}, 10 * r),
                                     torch::arange(7).to(torch::kFloat) * (r + 1)};
    group.average(grads);
    bool ok = torch::allclose(grads[0], torch::full({3, 5}, 1.5f)) &&
              torch::allclose(grads[1], torch::full({40}, 5.0f)) &&
              torch::allclose(grads[2], torch::arange(7).to(torch::kFloat) * 1.5f);
    std::vector<torch::Tensor> counts{torch::full({2}, r + 1)};
    group.sum(counts);
    ok = ok && torch::allclose(counts[0], torch::full({2}, 3.0f));
    std::vector<torch::Tensor> weights{torch::full({4}, r * 7 + 2)};
    group.broadcast(weights);
    ok = ok && torch::allclose(weights[0], torch::full({4}, 2.0f));
    ok = ok && overlapped_average_is_the_mean(group);
    if (role == "die" && group.rank() == 1) ::raise(SIGKILL);
    if (role == "hang" && group.rank() == 1) ::raise(SIGSTOP);
    if (role != "collectives") {
      const auto start = std::chrono::steady_clock::now();
      try {
        group.average(grads);
        out << "no error\n";
        return;
      } catch (const dcgan::NetworkError& e) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        out << "error after " << s << " s: " << e.what() << "\n";
        return;
      }
    }
    group.barrier();
    out << (ok ? "ok" : "wrong values") << "\n";
  } catch (const std::exception& e) {
    out << "exception: " << e.what() << "\n";
  }
}

TEST(Group, DISABLED_Rank) {
  const char* role = std::getenv("DCGAN_TEST_ROLE");
  if (role != nullptr) run_rank(role, std::getenv("DCGAN_TEST_OUT"));
}

// Starts ranks 0 and 1 of a two-rank job running `role`.
struct TwoRanks {
  TwoRanks(const TempDir& tmp, const std::string& role, int timeout_s) {
    const int port = dcgan::dist::free_loopback_port();
    for (int r = 0; r < 2; ++r) {
      out[r] = tmp / ("rank" + std::to_string(r) + ".out");
      ranks[r] = std::make_unique<ChildProcess>(
          std::vector<std::string>{"/usr/bin/env", "WORLD_SIZE=2", "RANK=" + std::to_string(r),
                                   "LOCAL_RANK=" + std::to_string(r), "MASTER_ADDR=127.0.0.1",
                                   "MASTER_PORT=" + std::to_string(port), "DCGAN_TEST_ROLE=" + role,
                                   "DCGAN_TEST_OUT=" + out[r],
                                   "DCGAN_TEST_TIMEOUT=" + std::to_string(timeout_s),
                                   dcgan::dist::own_program(), "--gtest_also_run_disabled_tests",
                                   "--gtest_filter=Group.DISABLED_Rank"},
          tmp / ("rank" + std::to_string(r) + ".log"));
    }
  }
  std::string result(int r) const {
    std::ifstream in(out[r]);
    std::string line;
    std::getline(in, line);
    return line;
  }
  std::string out[2];
  std::unique_ptr<ChildProcess> ranks[2];
};

TEST(Group, CollectivesAgreeOnTwoRanks) {
  TempDir tmp;
  TwoRanks job(tmp, "collectives", 30);
  EXPECT_EQ(job.ranks[0]->wait_exit(std::chrono::seconds(60)), 0);
  EXPECT_EQ(job.ranks[1]->wait_exit(std::chrono::seconds(60)), 0);
  EXPECT_EQ(job.result(0), "ok") << job.ranks[0]->log();
  EXPECT_EQ(job.result(1), "ok") << job.ranks[1]->log();
}

// A killed peer closes its connections: the survivor's collective fails at once, and the
// heartbeat check (2 s) names the rank.
TEST(Group, AKilledRankIsNamedBySurvivor) {
  TempDir tmp;
  TwoRanks job(tmp, "die", 20);
  EXPECT_EQ(job.ranks[1]->wait_exit(std::chrono::seconds(60)), 128 + SIGKILL);
  EXPECT_EQ(job.ranks[0]->wait_exit(std::chrono::seconds(60)), 0);
  const std::string result = job.result(0);
  EXPECT_NE(result.find("rank 1 stopped answering"), std::string::npos) << result;
  const double seconds = std::atof(result.substr(result.find("after ") + 6).c_str());
  EXPECT_LT(seconds, 20 + 2 + 5) << "within --dist-timeout plus the heartbeat check";
}

// A stopped peer keeps its connections open: the survivor's collective fails when
// --dist-timeout (3 s here) runs out, and the silent heartbeat names the rank.
TEST(Group, AHungRankIsNamedAfterTheTimeout) {
  TempDir tmp;
  TwoRanks job(tmp, "hang", 3);
  EXPECT_EQ(job.ranks[0]->wait_exit(std::chrono::seconds(60)), 0);
  const std::string result = job.result(0);
  EXPECT_NE(result.find("rank 1 stopped answering"), std::string::npos) << result;
  const double seconds = std::atof(result.substr(result.find("after ") + 6).c_str());
  EXPECT_GE(seconds, 2.5) << "it waited for the timeout";
  EXPECT_LT(seconds, 3 + 2 + 5);
  job.ranks[1]->send(SIGKILL);
}

TEST(Launcher, DescribesRankStatusesWorstFirst) {
  EXPECT_EQ(dcgan::dist::describe_rank_statuses({5, 128 + SIGKILL}),
            "rank 1 was killed by signal 9, rank 0 exited with 5");
  EXPECT_EQ(dcgan::dist::describe_rank_statuses({130, 130}), "ranks 0, 1 exited with 130");
  EXPECT_EQ(dcgan::dist::describe_rank_statuses({0, 7, 0}),
            "rank 1 exited with 7, ranks 0, 2 exited with 0");
}

class Environment : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* v : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
                          "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID"}) {
      ::unsetenv(v);
    }
  }
};

TEST_F(Environment, NoLauncherIsAJobOfOne) {
  const DistEnv env = dcgan::dist::read_dist_env("");
  EXPECT_FALSE(env.distributed());
  EXPECT_EQ(env.rank, 0);
}

TEST_F(Environment, TorchrunVariables) {
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "3", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("MASTER_ADDR", "node7", 1);
  ::setenv("MASTER_PORT", "29500", 1);
  DistEnv env = dcgan::dist::read_dist_env("");
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "node7");
  EXPECT_EQ(env.master_port, 29500);
  env = dcgan::dist::read_dist_env("head:1234");  // --dist-master wins
  EXPECT_EQ(env.master_addr, "head");
  EXPECT_EQ(env.master_port, 1234);
  ::setenv("RANK", "4", 1);
  EXPECT_THROW(dcgan::dist::read_dist_env(""), dcgan::ConfigError);
  ::setenv("RANK", "x", 1);
  EXPECT_THROW(dcgan::dist::read_dist_env(""), dcgan::ConfigError);
}

TEST_F(Environment, SlurmVariablesNeedTheMaster) {
  ::setenv("SLURM_NTASKS", "8", 1);
  ::setenv("SLURM_PROCID", "5", 1);
  ::setenv("SLURM_LOCALID", "1", 1);
  try {
    dcgan::dist::read_dist_env("");
    FAIL() << "no rendezvous address";
  } catch (const dcgan::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--dist-master"), std::string::npos) << e.what();
  }
  const DistEnv env = dcgan::dist::read_dist_env("n01:29400");
  EXPECT_EQ(env.launcher, "slurm");
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_THROW(dcgan::dist::read_dist_env("n01:70000"), dcgan::ConfigError);
  EXPECT_THROW(dcgan::dist::read_dist_env("n01"), dcgan::ConfigError);
}

}  // namespace
