// `dcgan crawl`: flags -> CrawlConfig -> crawl::crawl (or the archive's counts for --status).
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/crawl/crawler.h"

namespace dcgan::app {
namespace {

struct CrawlFlags {
  crawl::CrawlConfig config;
  std::string site = "konachan", mode, pages = "1-", rating, file = "preview";
  bool status = false, failed = false;
};

crawl::CrawlConfig resolve(const CrawlFlags& flags) {
  crawl::CrawlConfig config = flags.config;
  config.site = crawl::parse_site(flags.site);
  config.mode = !flags.mode.empty()                      ? crawl::parse_mode(flags.mode)
                : crawl::is_moebooru_family(config.site) ? crawl::ListingMode::kHtml
                                                         : crawl::ListingMode::kApi;
  config.pages = crawl::PageRange::parse(flags.pages);
  config.file = crawl::parse_file_kind(flags.file);
  config.ratings.clear();
  std::string rest = flags.rating;
  for (size_t comma; !rest.empty();
       rest = comma == std::string::npos ? "" : rest.substr(comma + 1)) {
    comma = rest.find(',');
    if (comma != 0) config.ratings.push_back(rest.substr(0, comma));
  }
  return config;
}

void setup_crawl(CLI::App& app) {
  auto flags = std::make_shared<CrawlFlags>();
  crawl::CrawlConfig& c = flags->config;
  CLI::App* cmd = app.add_subcommand(
      "crawl", "Download illustrations from an image board (Konachan/Moebooru, Danbooru)");
  cmd->add_option("--site", flags->site, "konachan, yandere, moebooru, danbooru or safebooru")
      ->capture_default_str();
  cmd->add_option("--base-url", c.base_url,
                  "Site root to use instead of the public host (mirrors, tests)");
  cmd->add_option("--mode", flags->mode,
                  "html (listing pages, Moebooru only) or api (JSON); default html for "
                  "Moebooru sites, api for Danbooru");
  cmd->add_option("--pages", flags->pages, "Listing pages A-B, A, or A- (until the end)")
      ->capture_default_str();
  cmd->add_option("--tags", c.tags, "Search tags, space-separated, as on the site");
  cmd->add_option("--rating", flags->rating,
                  "Keep only these ratings: s, q, e (g on Danbooru), "
                  "comma-separated");
  cmd->add_option("--file", flags->file,
                  "Which file of each post: preview, sample, jpeg or original")
      ->capture_default_str();
  cmd->add_option("--out", c.out_dir, "Folder for the images and the archive");
  cmd->add_option("--archive", c.archive_path, "SQLite archive (default OUT/crawl.sqlite)");
  cmd->add_option("--limit", c.limit, "Stop after this many files (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--max-bytes", c.max_bytes, "Refuse files larger than this")
      ->capture_default_str();
  cmd->add_option("--max-page-bytes", c.max_page_bytes, "Refuse listing pages larger than this")
      ->capture_default_str();
  cmd->add_option("--per-page", c.per_page, "API posts per page (0 = 100 Moebooru, 200 Danbooru)")
      ->capture_default_str();
  cmd->add_option("--rate", c.rate,
                  "Requests per second per host, every request counted "
                  "(0 = unlimited)")
      ->capture_default_str();
  cmd->add_option("--concurrency", c.concurrency, "Parallel downloads")->capture_default_str();
  cmd->add_option("--connect-timeout", c.connect_timeout_s, "Seconds to connect")
      ->capture_default_str();
  cmd->add_option("--low-speed-time", c.low_speed_time_s,
                  "Abort a transfer slower than --low-speed-bytes/s for this many seconds")
      ->capture_default_str();
  cmd->add_option("--low-speed-bytes", c.low_speed_bytes, "See --low-speed-time")
      ->capture_default_str();
  cmd->add_option("--max-time", c.max_time_s, "Seconds one request may take in all")
      ->capture_default_str();
  cmd->add_option("--retries", c.retries, "Retries of a failed request (backoff with jitter)")
      ->capture_default_str();
  cmd->add_option("--backoff", c.backoff_s, "Seconds before the first retry; doubles each time")
      ->capture_default_str();
  cmd->add_option("--max-retry-after", c.max_retry_after_s,
                  "Longest Retry-After to wait for, in seconds; longer fails the item")
      ->capture_default_str();
  cmd->add_option("--user-agent", c.user_agent, "User-Agent header (identify yourself)");
  cmd->add_flag("--status", flags->status, "Print the archive's counts and exit");
  cmd->add_flag("--failed", flags->failed, "With --status: list every failed download");
  cmd->callback([flags] {
    const crawl::CrawlConfig config = resolve(*flags);
    if (flags->status) {
      require(!config.out_dir.empty() || !config.archive_path.empty(),
              "--status needs --out or --archive to find the archive");
      std::cout << crawl::archive_status(config.resolved_archive_path(), flags->failed);
      return;
    }
    crawl::raise_for(crawl::crawl(config));
  });
}

const RegisterCommand kRegister{10, setup_crawl};

}  // namespace
}  // namespace dcgan::app
