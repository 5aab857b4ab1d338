// Data-parallel training with two real ranks over loopback Gloo, mostly through the real CLI
// (`dcgan train --nproc 2`): both ranks end with the same weights; a rank killed with SIGKILL
// ends the other with one line naming it, within the --dist-timeout the test passes; a
// checkpoint moves between 2 ranks and 1 process both ways with the position kept in images
// seen; Ctrl-C on the launcher saves one checkpoint and exits 130; --precision auto follows
// rank 0 (fp32 when a rank lacks native BF16). And the training step
// itself, run by this test binary as two ranks: with synchronised BatchNorm, 2 ranks x batch B
// compute what one process does at batch 2B on the same images and z.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/core/json.h"
#include "dcgan/dist/launcher.h"
#include "dcgan/dist/sync_batch_norm.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/data_parallel.h"
#include "dcgan/gan/train_step.h"
#include "dcgan/kernels/precision.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using std::chrono::seconds;

namespace {

// A tiny run at 32 px (widths 8, z 16, batch 8 per rank, one thread per rank), not quiet: the
// ranks' weight checksums are info lines.
std::string train_args(const std::string& data, const std::string& run) {
  return "train --data " + shell_quote(data) + " --out " + shell_quote(run) +
         " --output-size 32 --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8 --threads 1"
         " --no-cache --seed 5 --eval-every 0 --dist-timeout 20";
}

// "[rank K] ... weights: G <hex>, D <hex>" lines of a --nproc run: rank -> "G..., D...".
std::map<int, std::string> weight_checksums(const std::string& output) {
  std::map<int, std::string> sums;
  const std::regex line(R"(\[rank (\d+)\] .*weights: (G [0-9a-f]{16}, D [0-9a-f]{16}))");
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it) {
    sums[std::stoi((*it)[1])] = (*it)[2];
  }
  return sums;
}

// The step and images of the epoch stored in a checkpoint.
std::pair<int64_t, int64_t> checkpoint_position(const std::string& path) {
  const dcgan::gan::ModelConfig model = dcgan::gan::read_checkpoint_model(path);
  auto g = dcgan::gan::make_generator(model);
  const auto state = dcgan::gan::load_checkpoint(path, model, *g, nullptr, nullptr, nullptr);
  return {state.step, state.epoch_images};
}

// The pids of `parent`'s children (the ranks of a launcher), by their RANK variable.
std::map<int, pid_t> ranks_of(pid_t parent) {
  std::map<int, pid_t> ranks;
  std::ifstream children("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                         "/children");
  for (pid_t pid; children >> pid;) {
    std::string environ;
    try {
      environ = dcgan::read_file("/proc/" + std::to_string(pid) + "/environ");
    } catch (const std::exception&) {
      continue;
    }
    std::istringstream entries(environ);
    for (std::string entry; std::getline(entries, entry, '\0');) {
      if (entry.rfind("RANK=", 0) == 0) ranks[std::stoi(entry.substr(5))] = pid;
    }
  }
  return ranks;
}

// Whether `pid` has a SIGINT waiting (process-wide or its own): /proc/PID/status ShdPnd/SigPnd.
bool sigint_pending(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("ShdPnd:", 0) == 0 || line.rfind("SigPnd:", 0) == 0) {
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      if (mask & (1ull << (SIGINT - 1))) return true;
    }
  }
  return false;
}

// Whether `pid` is stopped (state T in /proc/PID/stat).
bool stopped(pid_t pid) {
  const std::string stat = dcgan::read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T';
}

int step_records(const std::string& run) {
  std::error_code ec;
  if (!fs::exists(run + "/metrics.jsonl", ec)) return 0;
  return static_cast<int>(metrics_records(run, "step").size());
}

TEST(TrainDist, TwoRanksEndWithTheSameWeightsAndOnlyRankZeroWrites) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 64, 32);
  const std::string run = tmp / "run";
  const CommandResult r = run_dcgan(train_args(tmp / "faces", run) + " --nproc 2 --max-steps 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto sums = weight_checksums(r.output);
  ASSERT_EQ(sums.size(), 2u) << r.output;
  EXPECT_EQ(sums.at(0), sums.at(1)) << r.output;
  // The ranks trained on different images (their own shards and draws): their losses differ,
  // and the logged ones are their mean.
  const auto steps = metrics_records(run, "step");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps.back()["step"], 3);
  const dcgan::Json config = dcgan::read_json_file(run + "/config.json");
  EXPECT_EQ(config["dist"]["world_size"], 2) << config.dump();
  EXPECT_EQ(config["dist"]["global_batch"], 16) << config.dump();
  // 64 images: 32 per rank, 4 iterations of 8 per epoch.
  EXPECT_NE(r.output.find("4 iterations per epoch"), std::string::npos) << r.output;
  EXPECT_EQ(dcgan::gan::list_checkpoints(run).size(), 1u);
  // Every line came through the launcher, prefixed by its rank.
  for (const std::string& line : lines_of(r.output)) {
    EXPECT_EQ(line.rfind("[rank ", 0), 0u) << line;
  }
}

// --sync-bn through the CLI, with the options that draw per-rank random numbers (flips,
// DiffAugment) and rank 0's averaged G; refused with R1, whose second derivative it lacks.
TEST(TrainDist, SyncBatchNormRunsThroughTheCli) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 64, 32);
  const std::string run = tmp / "run";
  const CommandResult r =
      run_dcgan(train_args(tmp / "faces", run) +
                " --nproc 2 --sync-bn --flip --augment color,translation --ema auto --max-steps 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto sums = weight_checksums(r.output);
  ASSERT_EQ(sums.size(), 2u) << r.output;
  EXPECT_EQ(sums.at(0), sums.at(1)) << r.output;
  EXPECT_EQ(dcgan::read_json_file(run + "/config.json")["dist"]["sync_bn"], true);
  const CommandResult refused =
      run_dcgan(train_args(tmp / "faces", tmp / "r1") + " --sync-bn --r1 0.1 --max-steps 1");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("--sync-bn and --r1 cannot be combined"), std::string::npos)
      << refused.output;
}

// Either way of averaging the gradients: after the backward pass, or overlapping it (whose
// all-reduces were started from inside backward()).
TEST(TrainDist, AKilledRankEndsTheOtherWithOneLineNamingIt) {
  for (const std::string reduce : {"buckets", "overlap"}) {
    SCOPED_TRACE("--dist-reduce " + reduce);
    TempDir tmp;
    make_synth_faces(tmp / "faces", 256, 32);
    const std::string run = tmp / "run";
    ChildProcess launcher(
        dcgan_shell_argv(train_args(tmp / "faces", run) +
                         " --nproc 2 --epochs 1000 --ckpt-every 2 --dist-reduce " + reduce),
        tmp / "train.log");
    ASSERT_TRUE(launcher.wait_until([&] { return step_records(run) >= 4; }, seconds(120)))
        << launcher.log();
    const auto ranks = ranks_of(launcher.pid());
    ASSERT_EQ(ranks.size(), 2u) << launcher.log();
    ::kill(ranks.at(1), SIGKILL);
    // --dist-timeout 20 s bounds the survivor's wait; a killed peer is usually seen at once.
    const std::optional<int> code = launcher.wait_exit(seconds(60));
    ASSERT_TRUE(code.has_value()) << "still running 60 s after the kill: " << launcher.log();
    EXPECT_NE(*code, 0);
    const std::string log = launcher.log();
    const std::regex survivor_line(
        R"(\[rank 0\] dcgan: error: distributed training: rank 1 stopped answering during [^\n]*)");
    EXPECT_TRUE(std::regex_search(log, survivor_line)) << log;
    EXPECT_NE(log.find("rank 1 was killed by signal 9"), std::string::npos) << log;
    // Rank 0 wrote no checkpoint of the failed step: the newest one reads.
    const auto checkpoints = dcgan::gan::list_checkpoints(run);
    ASSERT_FALSE(checkpoints.empty());
    EXPECT_NO_THROW(dcgan::gan::open_checkpoint(checkpoints.back()));
  }
}

TEST(TrainDist, ACheckpointMovesFromTwoRanksToOneProcessAndBack) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 128, 32);
  // 2 ranks x 8: 16 images per iteration. 3 iterations: 48 images of epoch 1.
  const std::string two_then_one = tmp / "two-then-one";
  const std::string base = train_args(tmp / "faces", two_then_one) + " --epochs 5";
  CommandResult r = run_dcgan(base + " --nproc 2 --max-steps 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(checkpoint_position(dcgan::gan::list_checkpoints(two_then_one).back()),
            std::make_pair(int64_t{3}, int64_t{48}));
  // One process at 8 per iteration carries on at image 48 (its iteration 6 of 16).
  r = run_dcgan(base + " --resume --max-steps 6");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("step 3"), std::string::npos) << r.output;
  EXPECT_EQ(checkpoint_position(dcgan::gan::list_checkpoints(two_then_one).back()),
            std::make_pair(int64_t{6}, int64_t{48 + 3 * 8}));
  std::vector<int> steps;
  for (const auto& s : metrics_records(two_then_one, "step")) steps.push_back(s["step"]);
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(dcgan::read_json_file(two_then_one + "/config.json")["dist"]["world_size"], 1);

  // The reverse: one process for 4 iterations (32 images), then 2 ranks from image 32.
  const std::string one_then_two = tmp / "one-then-two";
  const std::string base2 = train_args(tmp / "faces", one_then_two) + " --epochs 5";
  r = run_dcgan(base2 + " --max-steps 4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_dcgan(base2 + " --nproc 2 --resume --max-steps 6");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto sums = weight_checksums(r.output);
  ASSERT_EQ(sums.size(), 2u) << r.output;
  EXPECT_EQ(sums.at(0), sums.at(1)) << "resumed ranks start from rank 0's state";
  EXPECT_EQ(checkpoint_position(dcgan::gan::list_checkpoints(one_then_two).back()),
            std::make_pair(int64_t{6}, int64_t{32 + 2 * 16}));
  EXPECT_EQ(dcgan::read_json_file(one_then_two + "/config.json")["dist"]["world_size"], 2);
}

TEST(TrainDist, CtrlCOnTheLauncherSavesOneCheckpointAndExits130) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 640, 32);  // 40 iterations of 2 x 8 per epoch
  const std::string run = tmp / "run";
  ChildProcess launcher(dcgan_shell_argv(train_args(tmp / "faces", run) +
                                         " --nproc 2 --epochs 1000 --ckpt-every 100000"),
                        tmp / "train.log");
  ASSERT_TRUE(launcher.wait_until([&] { return step_records(run) >= 2; }, seconds(120)))
      << launcher.log();
  // Both ranks stopped while the test reads how far they got and the launcher forwards the
  // signal; they go on once it waits for them, so it always lands with work left.
  const auto ranks = ranks_of(launcher.pid());
  ASSERT_EQ(ranks.size(), 2u) << launcher.log();
  for (const auto& [rank, pid] : ranks) ::kill(pid, SIGSTOP);
  for (const auto& [rank, pid] : ranks) {
    for (int i = 0; i < 6000 && !stopped(pid); ++i) ::usleep(5000);
    ASSERT_TRUE(stopped(pid)) << "rank " << rank;
  }
  const int steps_at_pause = step_records(run);
  // A rank stops at the first agreement after the signal: at most 2 iterations on.
  ASSERT_LT(steps_at_pause + 2, 40) << "too little left to interrupt";
  launcher.send(SIGINT);
  for (const auto& [rank, pid] : ranks) {
    for (int i = 0; i < 6000 && !sigint_pending(pid); ++i) ::usleep(5000);
    EXPECT_TRUE(sigint_pending(pid)) << "the launcher did not forward SIGINT to rank " << rank;
  }
  for (const auto& [rank, pid] : ranks) ::kill(pid, SIGCONT);
  const std::optional<int> code = launcher.wait_exit(seconds(120));
  ASSERT_EQ(code, 130) << launcher.log();
  const std::string log = launcher.log();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      log, m,
      std::regex(
          R"(\[rank 0\] dcgan: error: interrupted at step (\d+); checkpoint saved to (\S+))")))
      << log;
  const int stopped_at = std::stoi(m[1]);
  EXPECT_GE(stopped_at, steps_at_pause);
  EXPECT_LE(stopped_at, steps_at_pause + 2);
  const auto checkpoints = dcgan::gan::list_checkpoints(run);
  ASSERT_EQ(checkpoints.size(), 1u) << log;
  EXPECT_TRUE(fs::equivalent(checkpoints[0], std::string(m[2])));
  EXPECT_EQ(checkpoint_position(checkpoints[0]).first, stopped_at);
  EXPECT_EQ(metrics_records(run, "step").back()["step"], stopped_at);
  EXPECT_NE(log.find("[rank 1] dcgan: error: interrupted at step " + std::to_string(stopped_at)),
            std::string::npos)
      << log;
}

#ifndef USE_C10D_NCCL
TEST(TrainDist, NcclOnACpuBuildIsAOneLineError) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 16, 32);
  const CommandResult r =
      run_dcgan(train_args(tmp / "faces", tmp / "run") + " --dist-backend nccl --max-steps 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(
      lines[0].rfind("dcgan: error: --dist-backend nccl: this build's LibTorch has no NCCL", 0), 0u)
      << r.output;
  EXPECT_FALSE(fs::exists(tmp / "run")) << "refused before anything was written";
}
#endif

// ---------------------------------------------------------------- --precision auto in a job

// The "precision: ..." line a rank logged (its decision and the reason), or "" when none.
std::string logged_precision(const std::string& log) {
  for (const std::string& line : lines_of(log)) {
    const size_t at = line.find("precision: ");
    if (at != std::string::npos) return line.substr(at + 11);
  }
  return "";
}

// Two ranks started by hand (as torchrun would), each with its own run folder parent and so
// its own cache of recorded choices, where `rank0_auto` and `rank1_auto` ("bf16" or "fp32") are
// what --precision auto finds recorded; rank 1 may also be given DNNL_MAX_CPU_ISA. Returns the
// precision lines the two ranks logged.
std::array<std::string, 2> auto_precision_of_a_job(const TempDir& tmp,
                                                   const std::string& rank0_auto,
                                                   const std::string& rank1_auto,
                                                   const std::string& rank1_max_isa) {
  // A one-process run records --precision auto's key (and the layers' choices) in its cache.
  const std::string args =
      "train --data " + shell_quote(tmp / "faces") +
      " --output-size 32 --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8"
      " --threads 1 --seed 5 --eval-every 0 --precision auto --dist-timeout 20";
  const CommandResult warm =
      run_dcgan(args + " --max-steps 1 --out " + shell_quote(tmp / "0/warm"));
  EXPECT_EQ(warm.exit_code, 0) << warm.output;
  std::string choices_file;
  for (const auto& entry : fs::directory_iterator(tmp / "0/.dcgan-cache")) {
    if (entry.path().filename().string().rfind("kernels-", 0) == 0) choices_file = entry.path();
  }
  EXPECT_FALSE(choices_file.empty());
  const dcgan::Json recorded = dcgan::read_json_file(choices_file);
  const int port = dcgan::dist::free_loopback_port();
  std::unique_ptr<ChildProcess> ranks[2];
  for (int r = 0; r < 2; ++r) {
    const std::string parent = tmp / std::to_string(r);
    dcgan::Json choices = recorded;
    for (auto& [key, value] : choices.items()) {
      if (key.rfind("precision.auto ", 0) == 0)
        value = (r == 0 ? rank0_auto : rank1_auto) + " (set by the test)";
    }
    fs::create_directories(parent + "/.dcgan-cache");
    dcgan::write_json_file(parent + "/.dcgan-cache/" + fs::path(choices_file).filename().string(),
                           choices);
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "WORLD_SIZE=2",
                                     "RANK=" + std::to_string(r),
                                     "LOCAL_RANK=" + std::to_string(r),
                                     "MASTER_ADDR=127.0.0.1",
                                     "MASTER_PORT=" + std::to_string(port)};
    if (r == 1 && !rank1_max_isa.empty()) argv.push_back("DNNL_MAX_CPU_ISA=" + rank1_max_isa);
    for (const std::string& a :
         dcgan_shell_argv(args + " --max-steps 2 --out " + shell_quote(parent + "/run"))) {
      argv.push_back(a);
    }
    ranks[r] = std::make_unique<ChildProcess>(argv, tmp / ("rank" + std::to_string(r) + ".log"));
  }
  std::array<std::string, 2> precision;
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(ranks[r]->wait_exit(seconds(120)), 0) << ranks[r]->log();
    precision[r] = logged_precision(ranks[r]->log());
  }
  return precision;
}

// Each rank's --precision auto is its own timing (recorded here, so the test can make them
// differ): the job computes in rank 0's decision.
TEST(TrainDist, PrecisionAutoFollowsRankZero) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 64, 32);
  for (const std::string rank0 : {"bf16", "fp32"}) {
    const std::string rank1 = rank0 == "bf16" ? "fp32" : "bf16";
    const auto precision = auto_precision_of_a_job(tmp, rank0, rank1, "");
    // Without native BF16, auto is fp32 on every rank before any recorded timing counts.
    const std::string expected = dcgan::kernels::native_bf16() ? rank0 : "fp32";
    EXPECT_EQ(precision[0].rfind(expected + " (auto: ", 0), 0u) << precision[0];
    EXPECT_EQ(precision[1].rfind(expected + " (auto: ", 0), 0u) << precision[1];
    if (dcgan::kernels::native_bf16()) {
      EXPECT_NE(precision[1].find("rank 0's decision"), std::string::npos) << precision[1];
    }
    fs::remove_all(tmp / "0");
    fs::remove_all(tmp / "1");
  }
}

// A rank without native BF16 (rank 1 with oneDNN held to AVX-512 without BF16) keeps the whole
// job in fp32 even when rank 0 would run bf16.
TEST(TrainDist, PrecisionAutoIsFp32WhenARankHasNoNativeBf16) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 64, 32);
  const auto precision = auto_precision_of_a_job(tmp, "bf16", "bf16", "AVX512_CORE");
  EXPECT_EQ(precision[0].rfind("fp32 (auto: ", 0), 0u) << precision[0];
  EXPECT_EQ(precision[1].rfind("fp32 (auto: ", 0), 0u) << precision[1];
  if (dcgan::kernels::native_bf16()) {
    EXPECT_NE(precision[0].find("has no native BF16"), std::string::npos) << precision[0];
  }
}

// ---------------------------------------------------------------- the step with --sync-bn

constexpr int64_t kBatch = 4;  // per rank; the single process gets 2 x kBatch
constexpr int kIterations = 3;

dcgan::gan::ModelConfig tiny_model() {
  dcgan::gan::ModelConfig model;
  model.size = 32;
  model.z_dim = 16;
  model.gf_dim = 8;
  model.df_dim = 8;
  model.kernels = "torch";  // LibTorch's layers: no timed choice of algorithm between processes
  return model;
}

// The whole job's real images and z for every iteration, the same in every process.
std::pair<torch::Tensor, torch::Tensor> job_inputs() {
  torch::manual_seed(21);
  return {torch::rand({kIterations, 2 * kBatch, 3, 32, 32}) * 2 - 1,
          torch::rand({kIterations, 2 * kBatch, 16}) * 2 - 1};
}

// The biases of the layers a BatchNorm follows: BatchNorm subtracts them again, so their true
// gradient is 0 and what reaches them is rounding noise, which Adam (dividing by the gradient's
// own size) turns into steps of about the learning rate in either direction. They change no
// output in training mode; they are left out of the comparison.
const std::set<std::string> kBiasesBeforeBatchNorm = {
    "g.fc.bias",    "g.deconv1.bias", "g.deconv2.bias", "g.deconv3.bias",
    "d.conv2.bias", "d.conv3.bias",   "d.conv4.bias"};

// G's and D's parameters (but kBiasesBeforeBatchNorm) after kIterations training steps over
// rows [first, first + n) of the job's inputs; with `parallel`, as one rank of its job
// (gradients averaged, BatchNorm through sync_batch_norm_act when `sync_bn`).
std::vector<torch::Tensor> train_steps(int64_t first, int64_t n, dcgan::gan::DataParallel* parallel,
                                       bool sync_bn) {
  using namespace dcgan::gan;
  torch::manual_seed(1);
  auto g = make_generator(tiny_model());
  auto d = make_discriminator(tiny_model());
  GanStep step(g, d, StepConfig{});
  if (parallel != nullptr) {
    step.set_before_backward_hook(
        [parallel](torch::nn::Module& net) { parallel->before_backward(net); });
    step.set_gradient_hook(
        [parallel](torch::nn::Module& net) { parallel->average_gradients(net); });
    if (sync_bn) {
      auto* group = parallel->group();
      const BatchNormAct sync = [group](const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn,
                                        double slope) {
        return dcgan::dist::sync_batch_norm_act(x, bn, slope, *group);
      };
      g->set_batch_norm_act(sync);
      d->set_batch_norm_act(sync);
    }
  }
  auto [real, z] = job_inputs();
  for (int k = 0; k < kIterations; ++k) {
    const torch::Tensor z_k = z[k].narrow(0, first, n);
    step.run(
        {real[k].narrow(0, first, n)}, [&](int64_t) { return z_k; }, k);
  }
  std::vector<torch::Tensor> weights;
  size_t left_out = 0;
  for (const auto& [prefix, net] :
       {std::pair<std::string, torch::nn::Module*>{"g.", g.get()}, {"d.", d.get()}}) {
    for (const auto& p : net->named_parameters()) {
      if (kBiasesBeforeBatchNorm.count(prefix + p.key()) > 0) {
        ++left_out;
      } else {
        weights.push_back(p.value().detach().clone());
      }
    }
  }
  EXPECT_EQ(left_out, kBiasesBeforeBatchNorm.size()) << "a parameter was renamed";
  return weights;
}

// Rank r of two, batch kBatch: its half of every iteration's images and z; writes its weights.
TEST(TrainDist, DISABLED_StepRank) {
  const char* out_path = std::getenv("DCGAN_TEST_OUT");
  if (out_path == nullptr) return;
  dcgan::gan::DataParallelConfig config;
  config.sync_bn = std::string(std::getenv("DCGAN_TEST_SYNC_BN")) == "1";
  config.reduce = std::getenv("DCGAN_TEST_REDUCE");
  dcgan::gan::DataParallel parallel(config, false);
  ASSERT_TRUE(parallel.distributed());
  torch::save(train_steps(parallel.rank() * kBatch, kBatch, &parallel, config.sync_bn), out_path);
}

// The weights of ranks 0 and 1 of a two-rank job running DISABLED_StepRank, averaging
// gradients as --dist-reduce `reduce` does.
std::array<std::vector<torch::Tensor>, 2> two_rank_weights(const TempDir& tmp, bool sync_bn,
                                                           const std::string& reduce = "buckets") {
  const int port = dcgan::dist::free_loopback_port();
  std::unique_ptr<ChildProcess> ranks[2];
  const std::string tag = std::string(sync_bn ? "sync-" : "local-") + reduce;
  for (int r = 0; r < 2; ++r) {
    ranks[r] = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/usr/bin/env", "WORLD_SIZE=2", "RANK=" + std::to_string(r), "MASTER_ADDR=127.0.0.1",
            "MASTER_PORT=" + std::to_string(port), "OMP_NUM_THREADS=1",
            "DCGAN_TEST_SYNC_BN=" + std::string(sync_bn ? "1" : "0"), "DCGAN_TEST_REDUCE=" + reduce,
            "DCGAN_TEST_OUT=" + tmp / (tag + std::to_string(r) + ".pt"), dcgan::dist::own_program(),
            "--gtest_also_run_disabled_tests", "--gtest_filter=TrainDist.DISABLED_StepRank"},
        tmp / (tag + std::to_string(r) + ".log"));
  }
  std::array<std::vector<torch::Tensor>, 2> weights;
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(ranks[r]->wait_exit(seconds(120)), 0) << ranks[r]->log();
    torch::load(weights[r], tmp / (tag + std::to_string(r) + ".pt"));
  }
  return weights;
}

// ||a - b|| / ||b|| over every tensor of the lists together.
double relative_error(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]).square().sum().item<double>();
    norm += b[i].square().sum().item<double>();
  }
  return std::sqrt(diff / norm);
}

bool identical(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

// What makes it equal: every BatchNorm pass (D's real pass, D's fake pass, G's) takes its
// statistics over the job's 2B images, as the single process's passes over its 2B do; the
// losses are means over a rank's B, so the mean of the two ranks' gradients is the gradient of
// the mean over 2B. What keeps it from being bit-exact: the sums run in another order (per rank,
// then across ranks), and Adam divides by the gradient's own size, so those rounding
// differences reach the weights; the biases before a BatchNorm, whose gradient is nothing but
// rounding, are left out (kBiasesBeforeBatchNorm). Minibatch stddev (--mbstd) groups images
// by their position in a rank's batch, so it would differ too.
TEST(TrainDist, SyncBatchNormTwoRanksAtBatchBEqualOneProcessAtBatch2B) {
  TempDir tmp;
  const auto whole = train_steps(0, 2 * kBatch, nullptr, false);
  const auto synced = two_rank_weights(tmp, /*sync_bn=*/true);
  ASSERT_EQ(synced[0].size(), whole.size());
  EXPECT_TRUE(identical(synced[0], synced[1])) << "the ranks' weights differ";
  const double error = relative_error(synced[0], whole);
  EXPECT_LT(error, 1e-5) << "2 ranks x " << kBatch << " with --sync-bn vs 1 process x "
                         << 2 * kBatch;
  // Without it each rank normalises over its own B: another computation, far from the 2B one.
  const auto local = two_rank_weights(tmp, /*sync_bn=*/false);
  EXPECT_TRUE(identical(local[0], local[1])) << "the ranks' weights differ";
  EXPECT_GT(relative_error(local[0], whole), 100 * std::max(error, 1e-9));
}

// --dist-reduce overlap starts each bucket's all-reduce during the backward pass; each element
// is still the same sum of the same two gradients, divided by 2: the weights are bit for bit
// those of the all-reduces after the pass, with per-rank and with synchronised BatchNorm (whose
// own all-reduces then interleave with the buckets' during backward).
TEST(TrainDist, OverlappedAllReducesGiveTheWeightsOfTheAfterwardOnes) {
  TempDir tmp;
  for (const bool sync_bn : {false, true}) {
    const auto after = two_rank_weights(tmp, sync_bn, "buckets");
    const auto overlapped = two_rank_weights(tmp, sync_bn, "overlap");
    EXPECT_TRUE(identical(overlapped[0], overlapped[1])) << "the ranks' weights differ";
    EXPECT_TRUE(identical(overlapped[0], after[0])) << "sync_bn " << sync_bn;
  }
}

}  // namespace
