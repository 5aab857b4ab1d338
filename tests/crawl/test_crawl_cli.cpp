// `dcgan crawl` as a user runs it: exit codes (0, 2, 5, 6), the failure list, --status, and
// the crash test: kill -9 in the middle of a crawl, run again, and get exactly the full set.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "dcgan/core/atomic_file.h"
#include "dcgan/crawl/archive.h"
#include "dcgan/crawl/md5.h"
#include "fixture_site.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;
using namespace dcgan::crawl;
using fixture::Fault;
using fixture::FixtureOptions;
using fixture::FixtureSite;

namespace {

std::string crawl_args(const FixtureSite& site, const std::string& out) {
  return "crawl --base-url " + site.base_url() + " --out " + out +
         " --rate 0 --retries 0 --backoff 0.01";
}

int count_in(const std::string& dir, const std::string& ext) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ext;
  return n;
}

TEST(CrawlCli, HelpListsCrawl) {
  auto r = run_dcgan("--help");
  EXPECT_NE(r.output.find("crawl"), std::string::npos) << r.output;
}

TEST(CrawlCli, SuccessIsExitZero) {
  FixtureSite site;
  TempDir tmp;
  auto r = run_dcgan(crawl_args(site, tmp.path()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("12 downloaded"), std::string::npos) << r.output;
  EXPECT_EQ(count_in(tmp.path(), ".jpg"), 12);
}

TEST(CrawlCli, FailedItemsAreListedWithExitSixAndInStatus) {
  FixtureSite site;
  const int64_t bad = site.ids()[3];
  site.set_fault(bad, Fault::kNotFound);
  TempDir tmp;
  auto r = run_dcgan(crawl_args(site, tmp.path()));
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_NE(r.output.find("konachan-" + std::to_string(bad) + ": HTTP 404"), std::string::npos)
      << r.output;
  auto status = run_dcgan("crawl --status --failed --out " + tmp.path());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("files: 11 done"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("1 failed"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("failed: konachan " + std::to_string(bad)), std::string::npos)
      << status.output;
}

TEST(CrawlCli, BadFlagsAndMissingArchive) {
  TempDir tmp;
  auto r = run_dcgan("crawl --out " + tmp.path() + " --rate -1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--rate"), std::string::npos) << r.output;
  r = run_dcgan("crawl --out " + tmp.path() + " --site gelbooru");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_dcgan("crawl --status --out " + tmp / "none");
  EXPECT_EQ(r.exit_code, 3) << r.output;
}

TEST(CrawlCli, UnreachableSiteIsExitFive) {
  int port;
  {
    FixtureSite gone;
    port = gone.port();
  }
  TempDir tmp;
  auto r = run_dcgan("crawl --base-url http://127.0.0.1:" + std::to_string(port) + " --out " +
                     tmp.path() + " --rate 0 --retries 0");
  EXPECT_EQ(r.exit_code, 5) << r.output;
}

TEST(CrawlCli, KillNineMidCrawlThenResumeGivesExactlyTheFullSet) {
  FixtureOptions options;
  options.pages = 4;
  options.posts_per_page = 10;
  options.latency_ms = 20;
  options.body_pause_ms = 100;  // transfers spend most of their time mid-body
  FixtureSite site(options);
  TempDir tmp;
  const std::string out = tmp / "out";
  fs::create_directories(out);
  std::ofstream(out + "/konachan-999.part") << "left by an older crash";

  dcgan::testing::ChildProcess crawl(
      dcgan::testing::dcgan_argv({"crawl", "--base-url", site.base_url(), "--out", out, "--rate",
                                  "0", "--concurrency", "4"}),
      tmp / "first.log");
  // Bounded: a child that dies or hangs fails the test (and is killed) instead of hanging it.
  ASSERT_TRUE(
      crawl.wait_until([&] { return count_in(out, ".jpg") >= 8; }, std::chrono::seconds(60)))
      << "no 8 downloads within 60 s: " << crawl.log();
  crawl.send(SIGKILL);
  ASSERT_EQ(crawl.wait_exit(std::chrono::seconds(30)), 128 + SIGKILL) << crawl.log();
  const int after_kill = count_in(out, ".jpg");
  EXPECT_LT(after_kill, 40) << "the crawl finished before it was killed";

  auto r = run_dcgan(crawl_args(site, out));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  std::set<std::string> expected, found;
  for (int64_t id : site.ids()) {
    const std::string name = "konachan-" + std::to_string(id) + ".jpg";
    expected.insert(name);
    EXPECT_EQ(dcgan::read_file(out + "/" + name), site.file_bytes(id, "preview")) << name;
  }
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("crawl.sqlite", 0) != 0) found.insert(name);
  }
  EXPECT_EQ(found, expected);  // no .part (old or new), no duplicates, nothing else

  Archive archive(out + "/crawl.sqlite");
  ArchiveCounts counts = archive.counts();
  EXPECT_EQ(counts.posts, 40);
  EXPECT_EQ(counts.downloads["done"], 40);
  EXPECT_EQ(counts.downloads.count("pending"), 0u);
  EXPECT_EQ(counts.downloads.count("failed"), 0u);
  for (int64_t id : site.ids()) {
    auto row = archive.download("konachan", std::to_string(id));
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->path, "konachan-" + std::to_string(id) + ".jpg");
    EXPECT_EQ(row->md5, md5_of_file(out + "/" + row->path));
    EXPECT_EQ(row->bytes, static_cast<int64_t>(fs::file_size(out + "/" + row->path)));
  }
  // The second run kept what the first had finished and fetched only the rest.
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.output, m, std::regex(R"((\d+) downloaded .*, (\d+) already done)")))
      << r.output;
  EXPECT_EQ(std::stoi(m[1]) + std::stoi(m[2]), 40) << r.output;
  EXPECT_GE(std::stoi(m[2]), 1) << r.output;
}

}  // namespace
