// Whole crawls in-process against the loopback board: HTML and both APIs, every injected
// fault, resume, rating filter, --limit, broken and empty pages, and the request rate.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/crawl/archive.h"
#include "dcgan/crawl/crawler.h"
#include "fixture_site.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::crawl;
using dcgan::testing::TempDir;
using fixture::Fault;
using fixture::FixtureOptions;
using fixture::FixtureSite;

namespace {

CrawlConfig config_for(const FixtureSite& site, const std::string& out) {
  CrawlConfig config;
  config.base_url = site.base_url();
  config.out_dir = out;
  config.rate = 0;
  config.concurrency = 4;
  config.retries = 1;
  config.backoff_s = 0.01;
  config.low_speed_time_s = 1;
  config.low_speed_bytes = 1000;
  return config;
}

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::set<std::string> images_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& name : files_in(dir)) {
    if (name.rfind("crawl.sqlite", 0) != 0) names.insert(name);
  }
  return names;
}

std::string name_of(int64_t id, const std::string& ext) {
  return "konachan-" + std::to_string(id) + "." + ext;
}

TEST(Crawler, HtmlModeDownloadsEveryPreviewThenResumesWithNothingToDo) {
  FixtureSite site;
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp / "out");
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.pages, 3);  // the third page's paginator has no next link
  EXPECT_NE(s.stop_reason.find("last"), std::string::npos) << s.stop_reason;
  EXPECT_EQ(s.downloaded, 12);
  EXPECT_EQ(s.failed, 0);
  std::set<std::string> expected;
  for (int64_t id : site.ids()) {
    expected.insert(name_of(id, "jpg"));
    EXPECT_EQ(dcgan::read_file(tmp / "out/" + name_of(id, "jpg")), site.file_bytes(id, "preview"));
  }
  EXPECT_EQ(images_in(tmp / "out"), expected);
  EXPECT_NO_THROW(raise_for(s));

  const int64_t file_requests = site.requests_to("/data/preview");
  CrawlSummary again = crawl(config);
  EXPECT_EQ(again.downloaded, 0);
  EXPECT_EQ(again.already_done, 12);
  EXPECT_EQ(site.requests_to("/data/preview"), file_requests);

  fs::remove(tmp / ("out/" + name_of(site.ids()[5], "jpg")));  // lost file: fetched again
  EXPECT_EQ(crawl(config).downloaded, 1);
  EXPECT_EQ(images_in(tmp / "out"), expected);
}

TEST(Crawler, MoebooruApiOriginalsAreMd5Checked) {
  FixtureOptions options;
  options.deleted_ids = {1002};
  FixtureSite site(options);
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.mode = ListingMode::kApi;
  config.file = FileKind::kOriginal;
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.pages, 4);  // the fourth is `[]`
  EXPECT_NE(s.stop_reason.find("empty"), std::string::npos) << s.stop_reason;
  EXPECT_EQ(s.downloaded, 11);
  EXPECT_EQ(s.no_file, 0);  // a deleted post has no usable entry at all
  EXPECT_EQ(s.posts, 11);
  Archive archive(tmp / "crawl.sqlite");
  for (int64_t id : site.ids()) {
    if (id == 1002) continue;
    const std::string bytes = site.file_bytes(id, "original");
    EXPECT_EQ(dcgan::read_file(tmp / name_of(id, "png")), bytes);
    auto row = archive.download("konachan", std::to_string(id));
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->md5, site.md5_of(bytes));
  }
}

TEST(Crawler, DanbooruApiSamples) {
  FixtureSite site;
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.site = SiteKind::kDanbooru;
  config.mode = ListingMode::kApi;
  config.file = FileKind::kSample;
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.downloaded, 12);
  for (int64_t id : site.ids()) {
    EXPECT_EQ(dcgan::read_file(tmp / ("danbooru-" + std::to_string(id) + ".jpg")),
              site.file_bytes(id, "sample"));
  }
}

TEST(Crawler, FaultsFailAloneAndLeaveNoPartialFiles) {
  FixtureOptions options;
  options.pages = 3;
  options.posts_per_page = 5;
  FixtureSite site(options);
  const std::vector<int64_t> ids = site.ids();
  const std::map<int64_t, Fault> faults = {
      {ids[0], Fault::kNotFound},        {ids[1], Fault::kTooManyOnce},
      {ids[2], Fault::kUnavailableOnce}, {ids[3], Fault::kShortBody},
      {ids[4], Fault::kWrongMd5},        {ids[5], Fault::kHtmlAsImage},
      {ids[6], Fault::kRedirect},        {ids[7], Fault::kTraversalName},
      {ids[8], Fault::kAbsoluteName},    {ids[9], Fault::kOversize},
      {ids[10], Fault::kSlowBody}};
  const std::set<Fault> failing = {Fault::kNotFound,    Fault::kShortBody, Fault::kWrongMd5,
                                   Fault::kHtmlAsImage, Fault::kOversize,  Fault::kSlowBody};
  for (const auto& [id, fault] : faults) site.set_fault(id, fault);
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp / "out");
  config.mode = ListingMode::kApi;
  config.file = FileKind::kOriginal;
  config.max_bytes = 100000;
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.failed, static_cast<int64_t>(failing.size()));
  EXPECT_EQ(s.downloaded, static_cast<int64_t>(ids.size() - failing.size()));
  EXPECT_THROW(raise_for(s), dcgan::PartialFailure);

  std::set<std::string> expected;
  for (int64_t id : ids) {
    auto it = faults.find(id);
    const bool fails = it != faults.end() && failing.count(it->second);
    if (!fails) {
      expected.insert(name_of(id, "png"));
      EXPECT_EQ(dcgan::read_file(tmp / ("out/" + name_of(id, "png"))),
                site.file_bytes(id, "original"));
    } else {
      bool listed = false;
      for (const auto& line : s.failures)
        listed |= line.find(std::to_string(id)) != std::string::npos;
      EXPECT_TRUE(listed) << id;
    }
  }
  EXPECT_EQ(images_in(tmp / "out"), expected);  // no .part, no server-chosen names
  EXPECT_EQ(files_in(tmp.path()), std::set<std::string>{"out"});
  Archive archive(tmp / "out/crawl.sqlite");
  EXPECT_EQ(archive.failed_downloads().size(), failing.size());
  EXPECT_NE(archive.download("konachan", std::to_string(ids[4]))->last_error.find("md5 mismatch"),
            std::string::npos);

  // The faults go away: a re-run fetches exactly the failed files.
  for (const auto& [id, fault] : faults) site.set_fault(id, Fault::kNone);
  config.max_bytes = 1 << 20;
  CrawlSummary again = crawl(config);
  EXPECT_EQ(again.downloaded, static_cast<int64_t>(failing.size()));
  EXPECT_EQ(again.failed, 0);
  EXPECT_EQ(images_in(tmp / "out").size(), ids.size());
}

TEST(Crawler, RatingFilterAndLimit) {
  FixtureSite site;
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.ratings = {"s"};
  CrawlSummary s = crawl(config);
  std::set<std::string> expected;
  for (int64_t id : site.ids()) {
    if (FixtureSite::rating_of(id) == "s") expected.insert(name_of(id, "jpg"));
  }
  EXPECT_EQ(images_in(tmp.path()), expected);
  EXPECT_EQ(s.filtered, static_cast<int64_t>(site.ids().size() - expected.size()));

  TempDir limited;
  config = config_for(site, limited.path());
  config.limit = 5;
  s = crawl(config);
  EXPECT_EQ(s.downloaded, 5);
  EXPECT_EQ(images_in(limited.path()).size(), 5u);
  EXPECT_EQ(s.pages, 2);
  EXPECT_NE(s.stop_reason.find("--limit"), std::string::npos);
}

TEST(Crawler, BrokenBusyAndEmptyPages) {
  FixtureOptions options;
  options.paginator = false;
  options.malformed_pages = {2};
  options.unavailable_once_pages = {1};
  FixtureSite site(options);
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.pages = PageRange::parse("1-10");
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.pages, 4);  // 1 (after a 503), 2 (malformed), 3, 4 (chickens)
  EXPECT_NE(s.stop_reason.find("page 4 is empty"), std::string::npos) << s.stop_reason;
  EXPECT_EQ(s.downloaded, 12);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(images_in(tmp.path()).size(), 12u);
}

TEST(Crawler, PageRangeIsRespected) {
  FixtureSite site;
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.pages = PageRange::parse("2-2");
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.pages, 1);
  EXPECT_EQ(s.downloaded, 4);
  EXPECT_EQ(site.requests_to("/post"), 1);
}

TEST(Crawler, UnreachableSiteIsANetworkError) {
  int port;
  {
    FixtureSite gone;
    port = gone.port();
  }
  TempDir tmp;
  CrawlConfig config;
  config.base_url = "http://127.0.0.1:" + std::to_string(port);
  config.out_dir = tmp.path();
  config.rate = 0;
  config.retries = 0;
  CrawlSummary s = crawl(config);
  EXPECT_EQ(s.pages, 0);
  EXPECT_THROW(raise_for(s), dcgan::NetworkError);
}

TEST(Crawler, EveryRequestIsPaced) {
  FixtureSite site;
  TempDir tmp;
  CrawlConfig config = config_for(site, tmp.path());
  config.rate = 20;
  config.concurrency = 8;
  site.set_fault(site.ids()[1], Fault::kRedirect);
  const auto start = std::chrono::steady_clock::now();
  CrawlSummary s = crawl(config);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.downloaded, 12);
  EXPECT_EQ(s.requests, site.requests());  // 3 pages + 12 files + 1 redirect hop
  EXPECT_EQ(s.requests, 16);
  // Slots are 1/20 s apart, so n requests cannot fit in less than (n - 1) / 20 s.
  EXPECT_GE(elapsed, std::chrono::milliseconds(50 * (s.requests - 1)));
}

}  // namespace
