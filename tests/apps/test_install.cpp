// `cmake --install` of this build into a fresh prefix gives a dcgan that runs on its own: the
// binary in PREFIX/bin answers --version, and with no $DCGAN_SHARED or $DCGAN_CASCADE it crops
// with the cascade installed beside it in PREFIX/share/dcgan (the pinned file, byte for byte).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/vision/cascade_paths.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;

namespace {

class Install : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = std::make_unique<TempDir>();
    install_ =
        run_command(shell_quote(DCGAN_CMAKE_COMMAND) + " --install " +
                    shell_quote(DCGAN_BUILD_DIR) + " --prefix " + shell_quote(prefix_->path()));
  }
  static void TearDownTestSuite() { prefix_.reset(); }
  void SetUp() override { ASSERT_EQ(install_.exit_code, 0) << install_.output; }

  static std::string installed(const std::string& path) { return *prefix_ / path; }

  static std::unique_ptr<TempDir> prefix_;
  static CommandResult install_;
};

std::unique_ptr<TempDir> Install::prefix_;
CommandResult Install::install_;

TEST_F(Install, TheInstalledBinaryRuns) {
  const std::string binary = installed("bin/dcgan");
  ASSERT_TRUE(fs::is_regular_file(binary)) << install_.output;
  const CommandResult version = run_command(shell_quote(binary) + " --version");
  EXPECT_EQ(version.exit_code, 0) << version.output;
  for (const char* word : {"dcgan", "LibTorch", "OpenCV"}) {
    EXPECT_NE(version.output.find(word), std::string::npos) << word << " in " << version.output;
  }
  EXPECT_EQ(version.output, run_dcgan("--version").output) << "the same program as the build's";
}

TEST_F(Install, TheInstalledBinaryCropsWithTheCascadeInstalledBesideIt) {
  const std::string cascade = installed("share/dcgan/lbpcascade_animeface.xml");
  if (!fs::exists(cascade)) {
    // Installed whenever configure had it: downloaded into the build tree, or from ../shared.
    ASSERT_FALSE(fs::exists(dcgan::vision::kCascadeBuildPath) ||
                 fs::exists(dcgan::vision::kCascadeSourceSharedPath))
        << cascade << " was not installed: " << install_.output;
    if (shared_required()) GTEST_FAIL() << "configured without the cascade: " << shared_problem();
    GTEST_SKIP() << "configured without the face cascade (offline and " << shared_problem() << ")";
  }
  const CommandResult sha = run_command("sha256sum " + shell_quote(cascade));
  ASSERT_EQ(sha.exit_code, 0) << sha.output;
  EXPECT_EQ(sha.output.substr(0, 64), dcgan::vision::kCascadeSha256);

  TempDir tmp;
  make_synth_faces(tmp / "in", 2, 128);
  // No hint where the cascade is: the installed binary must find its own.
  const CommandResult crop =
      run_command("env -u DCGAN_SHARED -u DCGAN_CASCADE " + shell_quote(installed("bin/dcgan")) +
                  " crop --in " + (tmp / "in") + " --out " + (tmp / "out") + " --threads 1");
  ASSERT_EQ(crop.exit_code, 0) << crop.output;
  EXPECT_NE(crop.output.find("cascade " + fs::weakly_canonical(cascade).string()),
            std::string::npos)
      << crop.output;
  EXPECT_TRUE(fs::exists(tmp / "out/manifest.jsonl"));
}

}  // namespace
