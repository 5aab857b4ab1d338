// Ctrl-C as a user presses it: the real `dcgan train`, `crop` and `prepare` processes get SIGINT
// while they are demonstrably working, exit 130 with one line saying what was kept, and the
// next run picks up from there: train --resume continues with exactly the losses of a run that
// was never interrupted, and a crop or prepare re-run ends with exactly the files of an
// uninterrupted one. The child is paused (SIGSTOP) while the test reads how far it got and
// sends SIGINT, so the signal always lands with work left to do.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/gan/checkpoint.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using std::chrono::seconds;

namespace {

// Occurrences of `needle` in the file at `path` ("" when it does not exist yet).
int count_in_file(const std::string& path, const std::string& needle) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return 0;
  const std::string text = dcgan::read_file(path);
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Runs `dcgan <args>` in the background until `working` holds, pauses it, checks with
// `work_left` that it has more to do, then delivers SIGINT and lets it finish. Returns the
// exit code and the child's output.
CommandResult interrupt_while_working(const std::string& args, const std::string& log,
                                      const std::function<bool()>& working,
                                      const std::function<bool()>& work_left) {
  ChildProcess child(dcgan_shell_argv(args), log);
  CommandResult result;
  if (!child.wait_until(working, seconds(120))) {
    const std::optional<int> code = child.wait_exit(seconds(1));
    ADD_FAILURE() << "it did not start working ("
                  << (code ? "exit code " + std::to_string(*code)
                           : std::string("killed after 120 s"))
                  << "): " << child.log();
    return result;
  }
  const bool paused = child.pause(seconds(30));
  EXPECT_TRUE(paused) << "it ended before it could be interrupted: " << child.log();
  if (!paused) return result;
  EXPECT_TRUE(work_left()) << "too little left to interrupt: " << child.log();
  child.send(SIGINT);
  child.resume();
  result.exit_code = child.wait_exit(seconds(120)).value_or(-1);
  result.output = child.log();
  return result;
}

// The one line of an interrupted command, which must say `what`.
void expect_one_interrupt_line(const CommandResult& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 130) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("dcgan: error: ", 0), 0u) << r.output;
  EXPECT_NE(lines[0].find(what), std::string::npos) << r.output;
}

// File name -> bytes of every file in `dir` (not recursive).
std::map<std::string, std::string> folder_contents(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files[e.path().filename().string()] = dcgan::read_file(e.path());
  }
  return files;
}

// The lines of a JSONL file, sorted (the same records whatever the order of the runs).
std::vector<std::string> sorted_lines(const std::string& path) {
  std::vector<std::string> lines = lines_of(dcgan::read_file(path));
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(InterruptCli, TrainSavesACheckpointExits130AndResumeContinuesExactly) {
  TempDir tmp;
  make_synth_faces(tmp / "faces", 64, 16);
  const std::string run = tmp / "run";
  const std::string train = tiny_train_args(tmp / "faces", run) + " --epochs 1000 --eval-every 0";
  const std::string metrics = run + "/metrics.jsonl";
  int steps_at_pause = 0;
  const CommandResult r = interrupt_while_working(
      train, tmp / "train.log", [&] { return count_in_file(metrics, "\"kind\":\"step\"") >= 3; },
      [&] {
        steps_at_pause = count_in_file(metrics, "\"kind\":\"step\"");
        return steps_at_pause < 1000 * 8;
      });
  ASSERT_NO_FATAL_FAILURE(expect_one_interrupt_line(r, "interrupted at step"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.output, m, std::regex(R"(interrupted at step (\d+); checkpoint saved to (\S+))")))
      << r.output;
  const int stopped_at = std::stoi(m[1]);
  const std::string checkpoint = m[2];
  // The step under way when the signal came is finished, no more.
  EXPECT_GE(stopped_at, steps_at_pause);
  EXPECT_LE(stopped_at, steps_at_pause + 1);
  ASSERT_TRUE(fs::exists(checkpoint)) << r.output;
  EXPECT_TRUE(fs::equivalent(dcgan::gan::list_checkpoints(run).back(), checkpoint));
  EXPECT_EQ(metrics_records(run, "step").back()["step"], stopped_at);
  EXPECT_FALSE(dcgan::read_json_file(run + "/summary.json").value("finished", true));

  // --resume continues at the next step, and its steps are those of an uninterrupted run.
  const std::string until = " --max-steps " + std::to_string(stopped_at + 4);
  const CommandResult resumed = run_dcgan(train + " --resume" + until);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const std::string reference = tmp / "reference";
  const CommandResult straight = run_dcgan(tiny_train_args(tmp / "faces", reference) +
                                           " --epochs 1000 --eval-every 0" + until);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  const std::vector<dcgan::Json> steps = metrics_records(run, "step");
  const std::vector<dcgan::Json> expected = metrics_records(reference, "step");
  ASSERT_EQ(steps.size(), size_t(stopped_at + 4)) << "each step once";
  ASSERT_EQ(expected.size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i]["step"], int(i + 1));
    for (const char* key : {"epoch", "loss_d_real", "loss_d_fake", "loss_g", "d_real", "d_fake"}) {
      EXPECT_EQ(steps[i][key], expected[i][key]) << "step " << i + 1 << " " << key;
    }
  }
}

TEST(InterruptCli, CropExits130AndARerunGivesTheFullSet) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  // 36 illustrations of 512 px with real faces; one thread, so the order is fixed.
  const std::string tiles = shared + "/data/anime-illustrations/tadne-tiles";
  const std::string crop = "-q crop --in " + shell_quote(tiles) + " --threads 1 --out ";
  const std::string reference = tmp / "reference";
  const CommandResult straight = run_dcgan(crop + shell_quote(reference));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const int sources = count_in_file(reference + "/manifest.jsonl", "\"kind\":\"source\"");
  ASSERT_GE(sources, 30);

  // Crops are written in input order (tile_00-0.jpg, ...), and the manifest may lag behind
  // them. Work is left when no crop of the last two tiles with faces exists yet: at most one of
  // them is under way when the signal comes.
  const std::vector<std::string> expected_crops = files_in(reference, ".jpg");
  std::set<std::string> last_two_stems;
  for (auto it = expected_crops.rbegin(); it != expected_crops.rend() && last_two_stems.size() < 2;
       ++it) {
    const std::string name = fs::path(*it).filename().string();
    last_two_stems.insert(name.substr(0, name.rfind('-')));
  }
  ASSERT_EQ(last_two_stems.size(), 2u);
  const std::string out = tmp / "out";
  const std::string manifest = out + "/manifest.jsonl";
  auto crops_written = [&] {
    return fs::is_directory(out) ? files_in(out, ".jpg") : std::vector<std::string>{};
  };
  const CommandResult r = interrupt_while_working(
      crop + shell_quote(out), tmp / "crop.log", [&] { return !crops_written().empty(); },
      [&] {
        for (const std::string& path : crops_written()) {
          const std::string name = fs::path(path).filename().string();
          if (last_two_stems.count(name.substr(0, name.rfind('-'))) > 0) return false;
        }
        return true;
      });
  ASSERT_NO_FATAL_FAILURE(expect_one_interrupt_line(r, "re-run the same command"));
  EXPECT_LT(count_in_file(manifest, "\"kind\":\"source\""), sources);

  const CommandResult rerun = run_dcgan(crop + shell_quote(out));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_EQ(folder_contents(out).size(), folder_contents(reference).size());
  auto crops = folder_contents(out), expected = folder_contents(reference);
  crops.erase("manifest.jsonl");
  expected.erase("manifest.jsonl");
  EXPECT_GT(expected.size(), 20u) << "faces were cropped";
  EXPECT_TRUE(crops == expected) << "the crops differ from an uninterrupted run's";
  EXPECT_EQ(sorted_lines(manifest), sorted_lines(reference + "/manifest.jsonl"));
}

TEST(InterruptCli, PrepareExits130MarksNothingAndARerunGivesTheFullSet) {
  TempDir tmp;
  const std::string faces = tmp / "faces";
  make_synth_faces(faces, 600, 48);
  const std::string prepare =
      "-q prepare --in " + shell_quote(faces) + " --size 32 --threads 1 --out ";
  const std::string reference = tmp / "reference";
  const CommandResult straight = run_dcgan(prepare + shell_quote(reference));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const auto expected = folder_contents(reference);
  const size_t kept = files_in(reference, ".png").size();
  ASSERT_GE(kept, 400u);

  const std::string out = tmp / "out";
  auto written = [&] { return fs::is_directory(out) ? files_in(out, ".png").size() : 0; };
  const CommandResult r = interrupt_while_working(
      prepare + shell_quote(out), tmp / "prepare.log", [&] { return written() >= 1; },
      [&] { return written() + 2 <= kept; });
  ASSERT_NO_FATAL_FAILURE(expect_one_interrupt_line(r, "prepare interrupted"));
  EXPECT_FALSE(fs::exists(out + "/prepare.json")) << "an interrupted set is not marked complete";
  EXPECT_LT(written(), kept);

  const CommandResult rerun = run_dcgan(prepare + shell_quote(out));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  auto contents = folder_contents(out);
  ASSERT_EQ(contents.count("prepare.json"), 1u);
  const dcgan::Json marker = dcgan::Json::parse(contents["prepare.json"]);
  const dcgan::Json expected_marker = dcgan::Json::parse(expected.at("prepare.json"));
  EXPECT_EQ(marker["files"], expected_marker["files"]);
  EXPECT_EQ(marker["files"].size(), kept);
  contents.erase("prepare.json");
  auto expected_images = expected;
  expected_images.erase("prepare.json");
  EXPECT_EQ(contents.size(), expected_images.size()) << "no leftovers, nothing missing";
  EXPECT_TRUE(contents == expected_images) << "the set differs from an uninterrupted run's";
}

}  // namespace
