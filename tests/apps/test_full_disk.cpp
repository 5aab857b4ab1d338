// Full disks: in a small tmpfs that fills up, a download (`dcgan crawl`), a crop (`dcgan crop`)
// and a checkpoint (`dcgan train`) each fail with one error line naming the path and exit 3,
// and leave what was written before (files, archive rows, manifest, checkpoint) intact and
// usable: a later run on the freed disk finishes the work. Mounting needs root; where the mount
// fails the tests skip (exit 77, saying why) instead of passing.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "fixture_site.h"
#include "kill_trial_support.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::CommandResult;
using dcgan::testing::lines_of;
using dcgan::testing::run_dcgan;
using dcgan::testing::shell_quote;
using dcgan::testing::TempDir;

namespace {

// A tmpfs of `bytes` mounted on a fresh folder for the life of the object.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int64_t bytes) : dir_(dir) {
    fs::create_directories(dir);
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      problem_ = std::string("cannot mount a tmpfs on ") + dir + ": " + std::strerror(errno) +
                 " (the full-disk tests need root)";
    }
  }
  ~SmallDisk() {
    if (problem_.empty()) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  const std::string& problem() const { return problem_; }
  std::string operator/(const std::string& name) const { return dir_ + "/" + name; }

  int64_t free_bytes() const {
    struct statvfs s {};
    ::statvfs(dir_.c_str(), &s);
    return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
  }
  // Writes a filler file until at most `leave` bytes are free.
  void fill(int64_t leave) {
    std::ofstream filler(dir_ + "/filler", std::ios::binary | std::ios::app);
    const std::string block(4096, 'x');
    while (free_bytes() > leave && filler.write(block.data(), block.size())) filler.flush();
  }
  void unfill() { fs::remove(dir_ + "/filler"); }

 private:
  std::string dir_;
  std::string problem_;
};

#define MOUNT_OR_SKIP(disk) \
  if (!(disk).problem().empty()) GTEST_SKIP() << (disk).problem()

// The output of a failed command is exactly one line: "dcgan: error: ..." naming `path`.
void expect_one_error_line_naming(const CommandResult& r, const std::string& path) {
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("dcgan: error: ", 0), 0u) << r.output;
  EXPECT_NE(lines[0].find(path), std::string::npos) << "names " << path << ": " << r.output;
}

std::vector<std::string> names_with(const std::string& dir, const std::string& part) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(part) != std::string::npos) found.push_back(name);
  }
  return found;
}

TEST(FullDisk, DownloadFailsWithExitThreeAndKeepsEarlierFilesAndRows) {
  TempDir tmp;
  SmallDisk disk(tmp / "disk", 256 * 1024);
  MOUNT_OR_SKIP(disk);
  dcgan::crawl::fixture::FixtureOptions options;
  options.pages = 2;
  options.posts_per_page = 4;
  dcgan::crawl::fixture::FixtureSite site(options);
  // A 300 kB file on page 2: more than the whole disk.
  site.set_fault(site.ids()[5], dcgan::crawl::fixture::Fault::kOversize);
  const std::string out = disk / "crawl";
  auto crawl = [&](const std::string& pages) {
    return run_dcgan("-q crawl --base-url " + site.base_url() + " --out " + shell_quote(out) +
                     " --rate 0 --retries 0 --concurrency 1 --pages " + pages);
  };
  ASSERT_EQ(crawl("1").exit_code, 0);
  const auto files = dcgan::testing::files_by_name(out, {"crawl.sqlite"});
  const auto rows = dcgan::testing::archive_rows(out + "/crawl.sqlite");
  ASSERT_EQ(files.size(), 4u);

  const CommandResult full = crawl("1-2");
  EXPECT_EQ(full.exit_code, 3) << full.output;
  expect_one_error_line_naming(full, out);
  const auto after = dcgan::testing::files_by_name(out, {"crawl.sqlite"});
  for (const auto& [name, bytes] : files) {
    ASSERT_EQ(after.count(name), 1u) << name;
    EXPECT_EQ(after.at(name), bytes) << name;
  }
  const auto rows_after = dcgan::testing::archive_rows(out + "/crawl.sqlite");
  for (const std::string& row : rows) {
    EXPECT_NE(std::find(rows_after.begin(), rows_after.end(), row), rows_after.end()) << row;
  }
  EXPECT_TRUE(names_with(out, ".part").empty()) << "the cut file is removed";

  // With room again (the big file now refused by --max-bytes), the crawl finishes from the
  // archive it left.
  const CommandResult again =
      run_dcgan("-q crawl --base-url " + site.base_url() + " --out " + shell_quote(out) +
                " --rate 0 --retries 0 --max-bytes 100000");
  EXPECT_EQ(again.exit_code, 6) << again.output;  // the big file: one failed item
  EXPECT_EQ(dcgan::testing::files_by_name(out, {"crawl.sqlite"}).size(), 7u);
}

TEST(FullDisk, CropFailsWithExitThreeAndKeepsEarlierCropsAndManifest) {
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir tmp;
  SmallDisk disk(tmp / "disk", 1024 * 1024);
  MOUNT_OR_SKIP(disk);
  const std::string in = tmp / "in";
  fs::create_directories(in);
  const std::string tiles = shared + "/data/anime-illustrations/tadne-tiles/";
  for (int i = 0; i < 10; ++i) {
    const std::string name = "tile_0" + std::to_string(i) + ".jpg";
    fs::copy_file(tiles + name, in + "/" + name);
  }
  const std::string out = disk / "crops";
  auto crop = [&]() {
    return run_dcgan("-q crop --in " + shell_quote(in) + " --out " + shell_quote(out) +
                     " --cascade " + shell_quote(shared + "/models/lbpcascade_animeface.xml") +
                     " --threads 2");
  };
  ASSERT_EQ(crop().exit_code, 0);
  const auto crops = dcgan::testing::files_by_name(out, {"manifest.jsonl"});
  const std::string manifest = dcgan::read_file(out + "/manifest.jsonl");
  ASSERT_GT(crops.size(), 5u);

  for (int i = 10; i < 36; ++i) {
    const std::string name = "tile_" + std::to_string(i) + ".jpg";
    fs::copy_file(tiles + name, in + "/" + name);
  }
  disk.fill(0);
  const CommandResult full = crop();
  EXPECT_EQ(full.exit_code, 3) << full.output;
  expect_one_error_line_naming(full, out);
  const auto after = dcgan::testing::files_by_name(out, {"manifest.jsonl"});
  for (const auto& [name, bytes] : crops) {
    ASSERT_EQ(after.count(name), 1u) << name;
    EXPECT_EQ(after.at(name), bytes) << name;
  }
  EXPECT_EQ(dcgan::read_file(out + "/manifest.jsonl").rfind(manifest, 0), 0u)
      << "the manifest still starts with every earlier record";
  EXPECT_TRUE(names_with(out, ".tmp").empty()) << "no temporaries left";

  // On the freed disk the crop resumes from its manifest and ends as a crop of everything.
  disk.unfill();
  ASSERT_EQ(crop().exit_code, 0);
  const std::string whole = tmp / "whole";
  const CommandResult reference =
      run_dcgan("-q crop --in " + shell_quote(in) + " --out " + shell_quote(whole) + " --cascade " +
                shell_quote(shared + "/models/lbpcascade_animeface.xml") + " --threads 2");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  EXPECT_EQ(dcgan::testing::files_by_name(out, {"manifest.jsonl"}),
            dcgan::testing::files_by_name(whole, {"manifest.jsonl"}));
  EXPECT_EQ(dcgan::testing::sorted_lines(out + "/manifest.jsonl"),
            dcgan::testing::sorted_lines(whole + "/manifest.jsonl"));
}

TEST(FullDisk, CheckpointFailsWithExitThreeAndKeepsTheLastOneLoadable) {
  TempDir tmp;
  SmallDisk disk(tmp / "disk", 8 * 1024 * 1024);
  MOUNT_OR_SKIP(disk);
  const std::string faces = tmp / "faces";
  dcgan::testing::make_synth_faces(faces, 64, 32);
  const std::string run = disk / "run";
  auto train = [&](const std::string& extra) {
    return run_dcgan("-q train --data " + shell_quote(faces) + " --out " + shell_quote(run) +
                     " --output-size 32 --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8"
                     " --threads 1 --no-cache --eval-every 0 --seed 5 --epochs 3 --ckpt-every 2"
                     " --keep 2 --device cpu " +
                     extra);
  };
  ASSERT_EQ(train("--max-steps 2").exit_code, 0);
  const std::string checkpoint = run + "/checkpoints/ckpt-00000002.pt";
  ASSERT_TRUE(fs::exists(checkpoint));
  const std::string copy = tmp / "ckpt-00000002.pt";
  fs::copy_file(checkpoint, copy);

  // Room for the small files a step writes, not for a checkpoint (1.7 MB).
  disk.fill(800 * 1024);
  const CommandResult full = train("--resume --max-steps 4");
  EXPECT_EQ(full.exit_code, 3) << full.output;
  expect_one_error_line_naming(full, run + "/checkpoints/ckpt-00000004.pt");
  EXPECT_EQ(dcgan::testing::files_in(run + "/checkpoints", ""),
            std::vector<std::string>{checkpoint})
      << "no temporaries or cut checkpoints left";
  std::string why;
  EXPECT_TRUE(dcgan::testing::same_weights(checkpoint, copy, &why)) << why;

  // On the freed disk the run resumes from it.
  disk.unfill();
  const CommandResult again = train("--resume --max-steps 4");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(fs::exists(run + "/checkpoints/ckpt-00000004.pt"));
}

}  // namespace
