// The command line as a user meets it: --help lists subcommands, --version names the
// libraries, and bad flags or missing inputs give one clear line and a non-zero exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "support/test_support.h"

using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;

namespace {

int count_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

TEST(Cli, HelpListsSubcommands) {
  auto r = run_dcgan("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("synth"), std::string::npos) << r.output;
}

TEST(Cli, VersionNamesLibraries) {
  auto r = run_dcgan("--version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* word : {"dcgan", "LibTorch", "OpenCV", "BLAS"}) {
    EXPECT_NE(r.output.find(word), std::string::npos) << word << " in " << r.output;
  }
}

TEST(Cli, UnknownFlagIsOneClearLine) {
  auto r = run_dcgan("synth --out x --bogus-flag 3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--bogus-flag"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
}

TEST(Cli, InvalidValueNamesTheFlag) {
  TempDir tmp;
  auto r = run_dcgan("synth --out " + tmp.path() + " --n 5 --size 3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--size"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
}

TEST(Cli, MissingInputFolderIsOneClearLine) {
  TempDir tmp;
  auto r = run_dcgan("train --data " + tmp.path() + "/no-such-folder --out " + tmp.path() + "/run");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no-such-folder"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--data"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
}

TEST(Cli, NoSubcommandIsAnError) {
  auto r = run_dcgan("");
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(Cli, SynthWritesTheSet) {
  TempDir tmp;
  auto r = run_dcgan("synth -q --out " + tmp.path() + "/set --n 12 --size 24 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/set")) {
    files += e.path().extension() == ".png";
  }
  EXPECT_EQ(files, 12);
}

}  // namespace
