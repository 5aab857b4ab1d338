// atomic_write: content lands whole, replaces the old file, and leaves no temporary behind,
// also when the writer throws half-way; the temporaries of a killed writer are cleaned up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::dead_pid;
using dcgan::testing::TempDir;

namespace {

int count_entries(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFile, WritesAndReplaces) {
  TempDir tmp;
  const std::string path = tmp / "a.txt";
  dcgan::atomic_write(path, "first");
  EXPECT_EQ(dcgan::read_file(path), "first");
  dcgan::atomic_write(path, std::string(100000, 'x'));
  EXPECT_EQ(dcgan::read_file(path), std::string(100000, 'x'));
  EXPECT_EQ(count_entries(tmp.path()), 1);
}

TEST(AtomicFile, FailedWriterKeepsOldFileAndRemovesTemporary) {
  TempDir tmp;
  const std::string path = tmp / "model.bin";
  dcgan::atomic_write(path, "good");
  EXPECT_THROW(dcgan::atomic_write_with(path,
                                        [](const std::string& tmp_path) {
                                          std::ofstream(tmp_path) << "half";
                                          throw dcgan::IoError("disk full");
                                        }),
               dcgan::IoError);
  EXPECT_EQ(dcgan::read_file(path), "good");
  EXPECT_EQ(count_entries(tmp.path()), 1);
}

TEST(AtomicFile, MissingDirectoryNamesThePath) {
  TempDir tmp;
  const std::string path = tmp / "no/such/dir/file.txt";
  try {
    dcgan::atomic_write(path, "x");
    FAIL() << "expected IoError";
  } catch (const dcgan::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/dir"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, ReadMissingFileNamesIt) {
  try {
    dcgan::read_file("/nonexistent/input.bin");
    FAIL() << "expected IoError";
  } catch (const dcgan::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/input.bin"), std::string::npos);
  }
}

// A writer killed mid-write leaves NAME.tmp-PID-N; a later run removes those of dead PIDs, in
// subfolders too, and nothing else (a running writer's temporary, other files).
TEST(AtomicFile, StaleTemporariesOfKilledWritersAreRemoved) {
  TempDir dir;
  fs::create_directories(dir / "sub");
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getpid());
  for (const std::string& name :
       {"a.jpg.tmp-" + dead + "-0", "sub/b.jpg.tmp-" + dead + "-12", "c.jpg.tmp-" + live + "-1",
        std::string("d.jpg"), std::string("e.tmp-x-1"), std::string("f.jpg.tmp-")}) {
    std::ofstream(dir / name) << "x";
  }
  EXPECT_EQ(dcgan::remove_stale_temporaries(dir.path()), 2);
  EXPECT_FALSE(fs::exists(dir / ("a.jpg.tmp-" + dead + "-0")));
  EXPECT_FALSE(fs::exists(dir / ("sub/b.jpg.tmp-" + dead + "-12")));
  for (const std::string& kept : {"c.jpg.tmp-" + live + "-1", std::string("d.jpg"),
                                  std::string("e.tmp-x-1"), std::string("f.jpg.tmp-")}) {
    EXPECT_TRUE(fs::exists(dir / kept)) << kept;
  }
  EXPECT_EQ(dcgan::remove_stale_temporaries(dir / "none"), 0);
}

}  // namespace
