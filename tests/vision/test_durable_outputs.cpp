// The files that vouch for a batch (synth.json, prepare.json, the crop manifest's lines) may
// only reach the disk after the images they vouch for: the real commands run under strace,
// and the order of their renames, syncs and manifest writes is checked. A sync covering an
// image is a syncfs() on its file system, or an fsync()/fdatasync() of the file itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <string>
#include <vector>

#include "crop_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "support/test_support.h"

using dcgan::testing::copy_illustrations;
using dcgan::testing::run_command;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kStrace = "/usr/bin/strace";

// One traced system call: its name, the path of its file-descriptor argument (strace -y), and
// for renames the source and target paths.
struct Call {
  std::string name;
  std::string fd_path;
  std::string from, to;
};

// Runs `dcgan <args>` under strace and returns the file calls in the order they started.
std::vector<Call> traced_calls(const std::string& args, const std::string& log_dir) {
  const std::string log = log_dir + "/strace.log";
  const auto result = run_command(
      std::string(kStrace) +
      " -f -y -qq -e trace=syncfs,fsync,fdatasync,rename,renameat,renameat2,write -o '" + log +
      "' '" + DCGAN_BINARY + "' " + args);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // "PID name(args" up to a possible " <unfinished ...>"; resumed halves start with "<...".
  static const std::regex line_re(R"(^\d+\s+(\w+)\((.*)$)");
  static const std::regex fd_re(R"(^\d+<([^>]*)>)");
  static const std::regex quoted_re(R"re("((?:[^"\\]|\\.)*)")re");
  std::vector<Call> calls;
  std::ifstream in(log);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, line_re)) continue;
    Call call;
    call.name = m[1];
    const std::string call_args = m[2];
    if (call.name.rfind("rename", 0) == 0) {
      std::vector<std::string> paths;
      for (auto it = std::sregex_iterator(call_args.begin(), call_args.end(), quoted_re);
           it != std::sregex_iterator(); ++it) {
        paths.push_back((*it)[1]);
      }
      if (paths.size() < 2) continue;
      call.from = paths[paths.size() - 2];
      call.to = paths.back();
    } else if (std::regex_search(call_args, m, fd_re)) {
      call.fd_path = m[1];
    }
    calls.push_back(std::move(call));
  }
  EXPECT_FALSE(calls.empty()) << "no calls traced; " << result.output;
  return calls;
}

bool is_image(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".png" || ext == ".jpg";
}

bool is_under(const std::string& path, const std::string& dir) {
  return path.rfind(dir + "/", 0) == 0 || path == dir;
}

// True for the rename that makes an image under `dir` final.
bool is_image_rename(const Call& call, const std::string& dir) {
  return call.name.rfind("rename", 0) == 0 && is_under(call.to, dir) && is_image(call.to);
}

// True when calls[from..to) hold a syncfs() of the file system of `dir`.
bool syncfs_between(const std::vector<Call>& calls, size_t from, size_t to, const std::string& dir) {
  for (size_t i = from; i < to; ++i) {
    if (calls[i].name == "syncfs" && is_under(calls[i].fd_path, dir)) return true;
  }
  return false;
}

// True when the image renamed by calls[rename] had its data synced before calls[before]:
// by a syncfs() after it was written, or an fsync()/fdatasync() of the file.
bool synced_before(const std::vector<Call>& calls, size_t rename, size_t before,
                   const std::string& dir) {
  if (syncfs_between(calls, rename, before, dir)) return true;
  for (size_t i = 0; i < before; ++i) {
    const bool file_sync = calls[i].name == "fsync" || calls[i].name == "fdatasync";
    if (file_sync && (calls[i].fd_path == calls[rename].from ||
                      calls[i].fd_path == calls[rename].to)) {
      return true;
    }
  }
  return false;
}

// Checks that every image renamed into `dir` before the marker's rename was synced first.
void expect_images_synced_before_marker(const std::vector<Call>& calls, const std::string& dir,
                                        const std::string& marker_name) {
  size_t marker = calls.size();
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].name.rfind("rename", 0) == 0 && calls[i].to == dir + "/" + marker_name) marker = i;
  }
  ASSERT_LT(marker, calls.size()) << "no rename to " << marker_name << " traced";
  int images = 0;
  for (size_t i = 0; i < marker; ++i) {
    if (!is_image_rename(calls[i], dir)) continue;
    ++images;
    EXPECT_TRUE(synced_before(calls, i, marker, dir))
        << calls[i].to << " was not synced before " << marker_name << " was committed";
  }
  EXPECT_GT(images, 0) << "no image renames traced";
}

#define STRACE_OR_SKIP()                                                             \
  do {                                                                               \
    if (!fs::exists(kStrace)) GTEST_SKIP() << kStrace << " missing (scripts/install-deps.sh)"; \
  } while (0)

}  // namespace

TEST(DurableOutputs, SynthSyncsItsImagesBeforeSynthJson) {
  STRACE_OR_SKIP();
  TempDir out, log;
  const std::string dir = fs::canonical(out.path()).string();
  const auto calls = traced_calls("synth --out " + dir + " --n 12 --size 32 --threads 3", log.path());
  expect_images_synced_before_marker(calls, dir, "synth.json");
}

TEST(DurableOutputs, PrepareSyncsItsImagesBeforePrepareJson) {
  STRACE_OR_SKIP();
  TempDir in, out, log;
  for (int i = 0; i < 6; ++i) {
    cv::Mat image(40, 40, CV_8UC3);
    cv::randu(image, 0, 256);
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(".png", image, bytes));
    dcgan::atomic_write(in / ("f" + std::to_string(i) + ".png"),
                        std::string(bytes.begin(), bytes.end()));
  }
  const std::string dir = fs::canonical(out.path()).string();
  const auto calls = traced_calls(
      "prepare --in " + in.path() + " --out " + dir + " --size 16 --threads 2", log.path());
  expect_images_synced_before_marker(calls, dir, "prepare.json");
}

TEST(DurableOutputs, CropManifestLinesFollowTheSyncOfTheirCrops) {
  STRACE_OR_SKIP();
  const std::string shared = DCGAN_SHARED_OR_SKIP();
  TempDir in, out, log;
  copy_illustrations(shared, in.path(),
                     {"tadne-tiles/tile_01.jpg", "tadne-tiles/tile_05.jpg", "miku_small.png"});
  const std::string dir = fs::canonical(out.path()).string();
  const auto calls =
      traced_calls("crop --in " + in.path() + " --out " + dir + " --threads 2 --cascade " +
                       shared + "/models/lbpcascade_animeface.xml",
                   log.path());
  const std::string manifest = dir + "/manifest.jsonl";
  std::vector<size_t> crops, manifest_writes;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].name == "write" && calls[i].fd_path == manifest) manifest_writes.push_back(i);
    if (is_image_rename(calls[i], dir)) crops.push_back(i);
  }
  EXPECT_GE(crops.size(), 3u);
  EXPECT_FALSE(manifest_writes.empty());
  // Every crop made final before a manifest write must be synced before that write.
  for (size_t w : manifest_writes) {
    for (size_t r : crops) {
      if (r > w) break;
      EXPECT_TRUE(synced_before(calls, r, w, dir))
          << calls[r].to << " was not synced before a manifest write";
    }
  }
}
