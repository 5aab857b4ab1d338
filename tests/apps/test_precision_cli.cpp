// `dcgan train --precision` end to end on synthetic faces: a short BF16 run's losses track the
// FP32 run's, a resumed run may switch precision (with a warning that it is then no longer
// bit-exact), and on a CPU without native BF16 (oneDNN's own DNNL_MAX_CPU_ISA hides it on any
// machine) bf16 is refused in one line while auto trains in fp32. config.json says what ran
// and why. The BF16 runs need a CPU with native BF16 and are skipped elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "apps/cli_test_support.h"
#include "dcgan/core/json.h"
#include "dcgan/kernels/precision.h"
#include "support/test_support.h"

using namespace dcgan::testing;

namespace {

constexpr int kSide = 16;

class PrecisionCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    make_synth_faces(faces(), 64, kSide);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string faces() { return *dir_ / "faces"; }

  // `dcgan train` of the tiny net (seed 5 unless `seed` says otherwise) for `steps` iterations
  // into `run`, `env` before the command.
  static CommandResult train(const std::string& run, const std::string& flags, int steps,
                             const std::string& env = "", int seed = 5) {
    std::string args = tiny_train_args(faces(), run, kSide);
    const std::string default_seed = "--seed 5";
    args.replace(args.find(default_seed), default_seed.size(), "--seed " + std::to_string(seed));
    return run_command(env + " " + shell_quote(DCGAN_BINARY) + " " + args +
                       " --epochs 100 --eval-every 0 --max-steps " + std::to_string(steps) + " " +
                       flags + " 2>&1");
  }
  // config.json's record of the precision: {"requested", "ran", "reason"}.
  static dcgan::Json precision_record(const std::string& run) {
    return dcgan::read_json_file(run + "/config.json").at("precision");
  }

  TempDir tmp_;

 private:
  static std::unique_ptr<TempDir> dir_;
};
std::unique_ptr<TempDir> PrecisionCli::dir_;

// oneDNN below AVX-512 has no BF16 at all: no native BF16 on any machine.
const std::string kWithoutNativeBf16 = "DNNL_MAX_CPU_ISA=AVX2";

TEST_F(PrecisionCli, Bf16IsRefusedInOneLineWithoutNativeBf16AndAutoStaysFp32) {
  const std::string run = tmp_ / "run";
  const CommandResult refused = train(run, "--precision bf16", 2, kWithoutNativeBf16);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(lines_of(refused.output).size(), 1u) << refused.output;
  EXPECT_NE(refused.output.find("--precision bf16: this CPU has no native BF16"),
            std::string::npos)
      << refused.output;
  EXPECT_FALSE(std::filesystem::exists(run)) << "refused before anything is written";

  const CommandResult automatic = train(run, "--precision auto", 2, kWithoutNativeBf16);
  ASSERT_EQ(automatic.exit_code, 0) << automatic.output;
  const dcgan::Json record = precision_record(run);
  EXPECT_EQ(record.at("requested"), "auto");
  EXPECT_EQ(record.at("ran"), "fp32");
  EXPECT_NE(record.at("reason").get<std::string>().find("no native BF16"), std::string::npos)
      << record.dump();
}

// The mean and largest absolute difference of the three losses, step by step.
std::pair<double, double> loss_differences(const std::vector<dcgan::Json>& a,
                                           const std::vector<dcgan::Json>& b) {
  double sum = 0, largest = 0;
  int count = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    for (const char* key : {"loss_d_real", "loss_d_fake", "loss_g"}) {
      const double difference = std::abs(a[i].at(key).get<double>() - b[i].at(key).get<double>());
      sum += difference;
      largest = std::max(largest, difference);
      ++count;
    }
  }
  return {count > 0 ? sum / count : 0, largest};
}

TEST_F(PrecisionCli, Bf16LossesTrackTheFp32Run) {
  if (!dcgan::kernels::native_bf16()) GTEST_SKIP() << "this CPU has no native BF16";
  constexpr int kSteps = 30;
  const std::string fp32_run = tmp_ / "fp32", bf16_run = tmp_ / "bf16", other = tmp_ / "seed6";
  const CommandResult fp32 = train(fp32_run, "--precision fp32", kSteps);
  ASSERT_EQ(fp32.exit_code, 0) << fp32.output;
  const CommandResult bf16 = train(bf16_run, "--precision bf16", kSteps);
  ASSERT_EQ(bf16.exit_code, 0) << bf16.output;
  const CommandResult reseeded = train(other, "--precision fp32", kSteps, "", 6);
  ASSERT_EQ(reseeded.exit_code, 0) << reseeded.output;
  EXPECT_EQ(precision_record(fp32_run).at("ran"), "fp32");
  EXPECT_EQ(precision_record(bf16_run).at("ran"), "bf16");

  const auto a = metrics_records(fp32_run, "step"), b = metrics_records(bf16_run, "step");
  ASSERT_EQ(a.size(), static_cast<size_t>(kSteps));
  ASSERT_EQ(b.size(), a.size());
  // BF16 rounds each product's operands to 8 bits of mantissa; over 30 steps the differences
  // compound, yet every loss stays within 0.02 of the FP32 run's (measured: at most 0.0055,
  // 0.0017 on average at 16 px), while an FP32 run from another seed differs ten times more on
  // average (measured 0.028; at most 0.052).
  const auto [bf16_mean, bf16_largest] = loss_differences(a, b);
  const auto [seed_mean, seed_largest] = loss_differences(a, metrics_records(other, "step"));
  EXPECT_LE(bf16_largest, 0.02);
  EXPECT_LT(bf16_mean, seed_mean / 4) << "bf16 " << bf16_mean << ", another seed " << seed_mean;
  EXPECT_GT(bf16_largest, 0) << "the bf16 run computed exactly as fp32: BF16 did not run";
}

TEST_F(PrecisionCli, AResumeMaySwitchPrecisionAndSaysItIsNoLongerBitExact) {
  if (!dcgan::kernels::native_bf16()) GTEST_SKIP() << "this CPU has no native BF16";
  const std::string run = tmp_ / "run";
  const CommandResult first = train(run, "--precision fp32", 3);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output.find("bit-exact"), std::string::npos) << first.output;

  const CommandResult switched = train(run, "--resume --precision bf16", 6);
  ASSERT_EQ(switched.exit_code, 0) << switched.output;
  EXPECT_NE(switched.output.find("fp32 until step 3"), std::string::npos) << switched.output;
  EXPECT_NE(switched.output.find("no longer bit-exact"), std::string::npos) << switched.output;
  EXPECT_EQ(precision_record(run).at("ran"), "bf16");

  // Without --precision the resumed run keeps the stored bf16: nothing switches, no warning.
  const CommandResult kept = train(run, "--resume", 9);
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_EQ(kept.output.find("bit-exact"), std::string::npos) << kept.output;
  EXPECT_EQ(precision_record(run).at("ran"), "bf16");
  EXPECT_EQ(metrics_records(run, "step").size(), 9u);

  // And back: the checkpoints stay FP32, so either precision loads them.
  const CommandResult back = train(run, "--resume --precision fp32", 12);
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_NE(back.output.find("no longer bit-exact"), std::string::npos) << back.output;
  EXPECT_EQ(precision_record(run).at("ran"), "fp32");
}

}  // namespace
