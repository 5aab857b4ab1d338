// Settings of `dcgan crawl`: which site and pages, which file of each post, where to write,
// and how politely (rate, concurrency, timeouts, retries). Validation names the flag at fault.
// Listing URLs and page formats live in site.h; only each site's public host is here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dcgan::crawl {

enum class SiteKind { kKonachan, kYandere, kMoebooru, kDanbooru, kSafebooru };
enum class ListingMode { kHtml, kApi };
// Which file of a post to download: the recipe used previews (<= 300 px thumbnails).
enum class FileKind { kPreview, kSample, kJpeg, kOriginal };

std::string to_string(SiteKind site);
std::string to_string(ListingMode mode);
std::string to_string(FileKind kind);
SiteKind parse_site(const std::string& name);       // throws ConfigError naming --site
ListingMode parse_mode(const std::string& name);    // throws ConfigError naming --mode
FileKind parse_file_kind(const std::string& name);  // throws ConfigError naming --file
bool is_moebooru_family(SiteKind site);

// "--pages A-B" (inclusive), "A" (one page) or "A-" (until the listing ends).
struct PageRange {
  int64_t first = 1;
  int64_t last = 0;                                 // 0 = no upper bound
  static PageRange parse(const std::string& text);  // throws ConfigError naming --pages
  bool contains(int64_t page) const { return page >= first && (last == 0 || page <= last); }
  std::string to_string() const;
};

struct CrawlConfig {
  SiteKind site = SiteKind::kKonachan;
  std::string base_url;                   // empty = the site's public host
  ListingMode mode = ListingMode::kHtml;  // cmd_crawl picks api for the Danbooru family
  PageRange pages;
  std::string tags;
  std::vector<std::string> ratings;  // empty = every rating; else e.g. {"s"} or {"s","q"}
  FileKind file = FileKind::kPreview;
  std::string out_dir;
  std::string archive_path;  // empty = OUT/crawl.sqlite
  int64_t limit = 0;         // files to fetch or find done; 0 = no limit
  int64_t max_bytes = 64ll << 20;
  // A listing page larger than this is a failed page. Real ones are 0.1 MB (HTML) to 4 MB
  // (1000 Danbooru posts); the parsers' memory grows with the page, so it is not --max-bytes.
  int64_t max_page_bytes = 8ll << 20;
  int per_page = 0;  // api mode: posts asked per page; 0 = the site's usual (100 / 200)

  // Politeness and speed.
  double rate = 1.0;  // requests per second per host, every request counted; 0 = unlimited
  int concurrency = 4;
  double connect_timeout_s = 15;
  double low_speed_time_s = 30;  // abort a transfer slower than low_speed_bytes/s for this long
  int64_t low_speed_bytes = 1024;
  double max_time_s = 600;         // one request, connect to last byte, however steady
  int retries = 3;                 // extra attempts after the first, for retryable failures
  double backoff_s = 1.0;          // first retry delay; doubled each time, with jitter
  double max_retry_after_s = 300;  // a longer Retry-After fails the item instead of waiting
  std::string user_agent;          // empty = "dcgan/<version> (+image-board crawler)"

  std::string resolved_base_url() const;
  std::string resolved_archive_path() const;
  std::string resolved_user_agent() const;
  void validate() const;  // throws ConfigError naming the flag
  std::string to_string() const;
};

}  // namespace dcgan::crawl
