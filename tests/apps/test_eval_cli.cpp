// `dcgan eval --run` and `dcgan train --eval-every` end to end on runs trained here (synthetic
// faces, 32 px, narrow nets). eval --run writes the documented JSON, names the checkpoint it
// generated from (the newest, or --checkpoint), and measures exactly what eval --fake measures
// on the images `dcgan sample` writes for the same seed; a missing run or checkpoint is one line
// with its exit code. --eval-every N records SWD per level and their mean at every N-th step,
// in metrics.jsonl, the TensorBoard file and the report.
#include <gtest/gtest.h>

#include <filesystem>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/gan/checkpoint.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using dcgan::Json;

namespace {

constexpr int kSide = 32;

class EvalCli : public TrainedRunSuite {
 protected:
  static void SetUpTestSuite() { train_suite_run(80, kSide); }
  // `dcgan -q eval --real FACES <args>`: the training images are the real set.
  static CommandResult eval(const std::string& args) {
    return run_dcgan("-q eval --real " + shell_quote(faces()) + " " + args);
  }
};

TEST_F(EvalCli, RunWritesTheReportNamingTheNewestCheckpoint) {
  const CommandResult r =
      eval("--run " + shell_quote(run()) + " --n 20 --seed 3 --nearest 4 --json " + out("e.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SWD x1e3 (20 images per set, 32 px"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MS-SSIM diversity"), std::string::npos) << r.output;

  const Json j = dcgan::read_json_file(out("e.json"));
  EXPECT_EQ(j["kind"], "eval");
  EXPECT_TRUE(fs::equivalent(j["checkpoint"].get<std::string>(),
                             dcgan::gan::list_checkpoints(run()).back()))
      << j["checkpoint"];
  EXPECT_EQ(j["config"]["run"], run());
  EXPECT_EQ(j["config"]["fake"], "");
  EXPECT_EQ(j["side"], kSide);
  EXPECT_EQ(j["images_per_set"], 20);
  EXPECT_EQ(j["swd_x1e3"]["resolutions"], Json::array({32, 16}));
  for (const char* set : {"fake_vs_real", "real_vs_real"}) {
    const Json& swd = j["swd_x1e3"][set];
    const double level32 = swd["levels"]["32"].get<double>();
    const double level16 = swd["levels"]["16"].get<double>();
    EXPECT_GT(level32, 0) << set;
    EXPECT_GT(level16, 0) << set;
    EXPECT_NEAR(swd["avg"].get<double>(), (level32 + level16) / 2, 1e-9) << set;
  }
  EXPECT_GT(j["swd_x1e3"]["fake_vs_real"]["avg"].get<double>(),
            j["swd_x1e3"]["real_vs_real"]["avg"].get<double>())
      << "a generator trained for 16 steps is further from the faces than they are from each other";
  for (const char* set : {"fake", "real"}) {
    EXPECT_GT(j["ms_ssim"][set].get<double>(), 0) << set;
    EXPECT_LE(j["ms_ssim"][set].get<double>(), 1) << set;
  }
  EXPECT_EQ(j["ms_ssim"]["pairs"], 10);
  EXPECT_EQ(j["nearest"]["queries"], 4);
  EXPECT_EQ(j["nearest"]["searched"], 40);
  EXPECT_EQ(j["nearest"]["grid"], out("e-nearest.png"));
  EXPECT_TRUE(fs::exists(out("e-nearest.png")));
  EXPECT_TRUE(j["skipped"].empty());
  for (const char* t : {"load_s", "swd_s", "ms_ssim_s", "nearest_s", "total_s"}) {
    EXPECT_TRUE(j["timings"].contains(t)) << t;
  }
}

TEST_F(EvalCli, RunMeasuresWhatSampleWritesForTheSameSeed) {
  const CommandResult sample = run_dcgan("-q sample --run " + shell_quote(run()) +
                                         " --seed 5 --n 20 --out-dir " + out("fakes"));
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  const std::string common = " --n 20 --seed 5 --nearest 4 --json ";
  const CommandResult from_run = eval("--run " + shell_quote(run()) + common + out("run.json"));
  ASSERT_EQ(from_run.exit_code, 0) << from_run.output;
  const CommandResult from_folder = eval("--fake " + out("fakes") + common + out("fake.json"));
  ASSERT_EQ(from_folder.exit_code, 0) << from_folder.output;
  const Json a = dcgan::read_json_file(out("run.json"));
  const Json b = dcgan::read_json_file(out("fake.json"));
  EXPECT_EQ(a["swd_x1e3"], b["swd_x1e3"]);
  EXPECT_EQ(a["ms_ssim"], b["ms_ssim"]);
  EXPECT_EQ(a["nearest"]["fake_to_real_mse"], b["nearest"]["fake_to_real_mse"]);
  EXPECT_EQ(b["checkpoint"], "") << "--fake has no checkpoint";
}

TEST_F(EvalCli, CheckpointFlagChoosesTheCheckpoint) {
  const std::vector<std::string> checkpoints = dcgan::gan::list_checkpoints(run());
  ASSERT_GE(checkpoints.size(), 2u) << "one per epoch";
  const std::string common = " --n 20 --seed 3 --nearest 0 --json ";
  const CommandResult oldest = eval("--run " + shell_quote(run()) + " --checkpoint " +
                                    shell_quote(checkpoints.front()) + common + out("old.json"));
  ASSERT_EQ(oldest.exit_code, 0) << oldest.output;
  const CommandResult newest = eval("--run " + shell_quote(run()) + common + out("new.json"));
  ASSERT_EQ(newest.exit_code, 0) << newest.output;
  const Json old_report = dcgan::read_json_file(out("old.json"));
  EXPECT_EQ(old_report["checkpoint"], checkpoints.front());
  EXPECT_EQ(old_report["config"]["checkpoint"], checkpoints.front());
  EXPECT_NE(old_report["swd_x1e3"]["fake_vs_real"],
            dcgan::read_json_file(out("new.json"))["swd_x1e3"]["fake_vs_real"])
      << "other weights, other images";
  EXPECT_EQ(old_report["swd_x1e3"]["real_vs_real"],
            dcgan::read_json_file(out("new.json"))["swd_x1e3"]["real_vs_real"])
      << "the floor depends on the real images and the seed only";
}

TEST_F(EvalCli, MissingRunOrCheckpointIsOneLineWithItsExitCode) {
  struct Case {
    std::string args;
    int exit_code;
    std::string names;
  };
  fs::create_directories(out("untrained/checkpoints"));
  const std::vector<Case> cases = {
      {"--run " + out("nope") + " --n 10", 3, out("nope")},
      {"--run " + out("untrained") + " --n 10", 4, "no checkpoint"},
      {"--run " + shell_quote(run()) + " --checkpoint " + out("gone.pt") + " --n 10", 3, "gone.pt"},
      {"--checkpoint " + out("gone.pt") + " --fake " + out("x") + " --n 10", 2, "--checkpoint"},
      {"--run " + shell_quote(run()) + " --fake " + out("x"), 2, "--fake"},
      {"--run " + shell_quote(run()) + " --size 64 --n 10", 2, "--size"},
  };
  for (const Case& c : cases) {
    const CommandResult r = eval(c.args + " --json " + out("never.json"));
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << ": " << r.output;
    EXPECT_EQ(lines_of(r.output).size(), 1u) << c.args << ": " << r.output;
    EXPECT_NE(r.output.find(c.names), std::string::npos) << c.args << ": " << r.output;
  }
  EXPECT_FALSE(fs::exists(out("never.json")));
}

TEST(TrainEvalEvery, RecordsSwdAtEveryNthStepInMetricsTensorBoardAndTheReport) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 48, kSide);
  const std::string run = tmp / "run";
  // 48 images in batches of 8: 6 steps per epoch, 12 in all; SWD after steps 4, 8 and 12.
  const CommandResult r = run_dcgan(tiny_train_args(tmp / "faces", run, kSide) +
                                    " --epochs 2 --eval-every 4 --eval-images 24");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const std::vector<Json> records = dcgan::read_jsonl_file(run + "/metrics.jsonl");
  std::vector<int64_t> eval_steps;
  for (size_t i = 0; i < records.size(); ++i) {
    const Json& e = records[i];
    if (e["kind"] != "eval") continue;
    eval_steps.push_back(e["step"].get<int64_t>());
    ASSERT_GT(i, 0u);
    EXPECT_EQ(records[i - 1]["kind"], "step") << "evaluated right after its step";
    EXPECT_EQ(records[i - 1]["step"], e["step"]);
    EXPECT_EQ(e["epoch"], records[i - 1]["epoch"]);
    ASSERT_TRUE(e["swd"].is_object()) << e;
    ASSERT_EQ(e["swd"].size(), 2u) << e;
    const double level32 = e["swd"]["32"].get<double>();
    const double level16 = e["swd"]["16"].get<double>();
    EXPECT_GT(level32, 0);
    EXPECT_GT(level16, 0);
    EXPECT_NEAR(e["swd_avg"].get<double>(), (level32 + level16) / 2, 1e-9);
    EXPECT_GT(e["time_s"].get<double>(), 0);
  }
  EXPECT_EQ(eval_steps, (std::vector<int64_t>{4, 8, 12}));
  EXPECT_EQ(metrics_records(run, "eval")[1]["epoch"], 2) << "step 8 is in the second epoch";

  // TensorBoard: one swd/avg scalar per evaluation.
  const std::vector<std::string> events = files_in(run, "");
  int swd_scalars = 0;
  for (const std::string& path : events) {
    if (fs::path(path).filename().string().rfind("events.out.tfevents.", 0) != 0) continue;
    const std::string bytes = dcgan::read_file(path);
    for (size_t at = bytes.find("swd/avg"); at != std::string::npos;
         at = bytes.find("swd/avg", at + 1)) {
      ++swd_scalars;
    }
  }
  EXPECT_EQ(swd_scalars, 3);
  // The report draws the SWD chart from them.
  EXPECT_NE(dcgan::read_file(run + "/report.html").find("<section id='swd'"), std::string::npos);

  // Without --eval-every nothing is evaluated.
  const CommandResult off =
      run_dcgan(tiny_train_args(tmp / "faces", tmp / "off", kSide) + " --epochs 1 --eval-every 0");
  ASSERT_EQ(off.exit_code, 0) << off.output;
  EXPECT_TRUE(metrics_records(tmp / "off", "eval").empty());
}

}  // namespace
