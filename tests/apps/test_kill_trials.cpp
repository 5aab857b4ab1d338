// Kill trials: `dcgan crawl` (against the loopback board), `dcgan crop` and `dcgan train` (CPU,
// 32 px, widths 8) are killed with SIGKILL at random moments and then run again as a user would
// resume them (the same command; train with --resume). Each trial must end exactly as an
// uninterrupted run did: crawl the same files and archive rows, crop the same crops and manifest
// records, train the same weights. DCGAN_KILL_TRIALS trials per command (default 3);
// scripts/kill-trials.sh runs 20. DCGAN_KILL_SEED draws other moments (default 17).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "cli_test_support.h"
#include "fixture_site.h"
#include "kill_trial_support.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::ChildProcess;
using dcgan::testing::dcgan_shell_argv;
using dcgan::testing::shell_quote;
using dcgan::testing::TempDir;

namespace {

int trials_per_command() {
  const char* text = std::getenv("DCGAN_KILL_TRIALS");
  return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : 3;
}

uint64_t trial_seed() {
  const char* text = std::getenv("DCGAN_KILL_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 17;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `args` to the end, returning how long it took; fails the test on a non-zero exit.
double run_whole(const std::string& args, const std::string& log) {
  const auto start = std::chrono::steady_clock::now();
  ChildProcess child(dcgan_shell_argv(args), log);
  const std::optional<int> code = child.wait_exit(std::chrono::seconds(300));
  EXPECT_EQ(code, 0) << args << "\n" << child.log();
  return seconds_since(start);
}

// Drives the trials of one command. `start(k)` gives trial k's command line, `resume(k)` the one
// that finishes it, `check(k)` compares its result with the uninterrupted run's (true: the same).
// Each kill lands at a moment drawn uniformly from 2%-90% of the uninterrupted run's time; a draw
// that the run outlives is not a trial (it is drawn again, at most trials times in all).
void run_trials(const std::string& command, TempDir& tmp, double whole_seconds,
                const std::function<std::string(int)>& start,
                const std::function<std::string(int)>& resume,
                const std::function<bool(int)>& check) {
  const int wanted = trials_per_command();
  std::mt19937_64 rng(trial_seed() + std::hash<std::string>()(command));
  std::uniform_real_distribution<double> moment(0.02 * whole_seconds, 0.9 * whole_seconds);
  int killed = 0, passed = 0, outlived = 0;
  for (int k = 0; killed < wanted && outlived <= wanted; ++k) {
    const double delay = moment(rng);
    const std::string log = tmp / (command + "-" + std::to_string(k) + ".log");
    {
      ChildProcess child(dcgan_shell_argv(start(k)), log);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      child.send(SIGKILL);
      const std::optional<int> code = child.wait_exit(std::chrono::seconds(60));
      if (code == 0) {  // it finished first: no kill happened
        ++outlived;
        continue;
      }
      ASSERT_EQ(code, 128 + SIGKILL) << command << " trial " << k << ": " << child.log();
    }
    ++killed;
    ChildProcess again(dcgan_shell_argv(resume(k)), log + ".resume");
    const std::optional<int> code = again.wait_exit(std::chrono::seconds(300));
    ASSERT_EQ(code, 0) << command << " trial " << k << " (killed at " << delay
                       << " s), resume: " << again.log();
    const bool same = check(k);
    passed += same;
    std::cout << "kill trial " << command << " " << k << ": killed at " << delay << " s of "
              << whole_seconds << " s, resumed: " << (same ? "same result" : "DIFFERENT")
              << std::endl;
  }
  std::cout << "kill trials " << command << ": " << passed << "/" << killed
            << " ended as the uninterrupted run (" << outlived << " draws came after the end)"
            << std::endl;
  EXPECT_EQ(killed, wanted) << "too many kills came after the run had ended";
  EXPECT_EQ(passed, wanted);
}

// The result of a folder-writing command (crawl, crop): every file but `records_file` by name
// and bytes, and the records of `records_file` as `read_records` gives them.
struct FolderResult {
  std::map<std::string, std::string> files;
  std::vector<std::string> records;
};

FolderResult folder_result(
    const std::string& dir, const std::string& records_file,
    const std::function<std::vector<std::string>(const std::string&)>& read_records) {
  return {dcgan::testing::files_by_name(dir, {records_file}),
          read_records(dir + "/" + records_file)};
}

// run_trials' check for such a command: trial k's folder against the uninterrupted run's result;
// the folder of a trial that ended the same is removed at once (20 of them add up).
bool same_folder_result(int k, const std::string& dir, const FolderResult& found,
                        const FolderResult& expected) {
  const std::string files_differ = dcgan::testing::files_difference(found.files, expected.files);
  const bool same_records = found.records == expected.records;
  EXPECT_TRUE(files_differ.empty()) << "trial " << k << " in " << dir << ":" << files_differ;
  EXPECT_TRUE(same_records) << "trial " << k << ": other records in " << dir;
  if (files_differ.empty() && same_records) fs::remove_all(dir);
  return files_differ.empty() && same_records;
}

TEST(KillTrials, CrawlResumesToTheSameFilesAndArchiveRows) {
  dcgan::crawl::fixture::FixtureOptions options;
  options.pages = 4;
  options.posts_per_page = 8;
  options.latency_ms = 10;
  options.body_pause_ms = 30;
  dcgan::crawl::fixture::FixtureSite site(options);
  site.warm_up();
  TempDir tmp;
  auto args = [&](const std::string& out) {
    return "-q crawl --base-url " + site.base_url() + " --out " + shell_quote(out) +
           " --rate 0 --concurrency 4 --retries 0";
  };
  const std::string whole = tmp / "whole";
  const double seconds = run_whole(args(whole), tmp / "whole.log");
  const FolderResult expected = folder_result(whole, "crawl.sqlite", dcgan::testing::archive_rows);
  ASSERT_EQ(expected.files.size(), 32u);
  auto out = [&](int k) { return tmp / ("trial-" + std::to_string(k)); };
  run_trials(
      "crawl", tmp, seconds, [&](int k) { return args(out(k)); },
      [&](int k) { return args(out(k)); },
      [&](int k) {
        return same_folder_result(
            k, out(k), folder_result(out(k), "crawl.sqlite", dcgan::testing::archive_rows),
            expected);
      });
}

TEST(KillTrials, CropResumesToTheSameCropsAndManifest) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  // 108 illustrations: the 36 tiles three times under other names.
  const std::string in = tmp / "in";
  fs::create_directories(in);
  for (const auto& tile :
       fs::directory_iterator(shared + "/data/anime-illustrations/tadne-tiles")) {
    for (const char* copy : {"a-", "b-", "c-"}) {
      fs::copy_file(tile.path(), in + "/" + copy + tile.path().filename().string());
    }
  }
  auto args = [&](const std::string& out) {
    return "-q crop --in " + shell_quote(in) + " --out " + shell_quote(out) + " --cascade " +
           shell_quote(shared + "/models/lbpcascade_animeface.xml") + " --threads 2";
  };
  const std::string whole = tmp / "whole";
  const double seconds = run_whole(args(whole), tmp / "whole.log");
  const FolderResult expected =
      folder_result(whole, "manifest.jsonl", dcgan::testing::sorted_lines);
  ASSERT_GT(expected.files.size(), 90u);
  auto out = [&](int k) { return tmp / ("trial-" + std::to_string(k)); };
  run_trials(
      "crop", tmp, seconds, [&](int k) { return args(out(k)); },
      [&](int k) { return args(out(k)); },
      [&](int k) {
        return same_folder_result(
            k, out(k), folder_result(out(k), "manifest.jsonl", dcgan::testing::sorted_lines),
            expected);
      });
}

TEST(KillTrials, TrainResumesToTheSameWeights) {
  TempDir tmp;
  const std::string faces = tmp / "faces";
  dcgan::testing::make_synth_faces(faces, 64, 32);
  // Every run shares runs/.dcgan-cache, so all use the kernels the first one chose.
  auto args = [&](const std::string& run) {
    return "-q train --data " + shell_quote(faces) + " --out " + shell_quote(run) +
           " --output-size 32 --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8 --threads 1"
           " --eval-every 0 --seed 5 --epochs 6 --ckpt-every 5 --keep 2 --device cpu";
  };
  const std::string whole = tmp / "runs/whole";
  const double seconds = run_whole(args(whole), tmp / "whole.log");
  const auto expected = dcgan::testing::files_in(whole + "/checkpoints", ".pt");
  ASSERT_FALSE(expected.empty());
  auto run = [&](int k) { return tmp / ("runs/trial-" + std::to_string(k)); };
  run_trials(
      "train", tmp, seconds, [&](int k) { return args(run(k)); },
      [&](int k) { return args(run(k)) + " --resume"; },
      [&](int k) {
        const auto found = dcgan::testing::files_in(run(k) + "/checkpoints", ".pt");
        std::string why = found.empty() ? "no checkpoint" : "last checkpoint " + found.back();
        const bool same =
            !found.empty() &&
            fs::path(found.back()).filename() == fs::path(expected.back()).filename() &&
            dcgan::testing::same_weights(found.back(), expected.back(), &why);
        EXPECT_TRUE(same) << "trial " << k << ": " << why << " in " << run(k);
        if (same) fs::remove_all(run(k));
        return same;
      });
}

}  // namespace
