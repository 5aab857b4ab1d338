// CrawlConfig parsing helpers, defaults and validation.
#include "dcgan/crawl/crawl_config.h"

#include <algorithm>
#include <sstream>

#include "dcgan/core/error.h"
#include "dcgan/core/version.h"

namespace dcgan::crawl {
namespace {

struct SiteName {
  SiteKind site;
  const char* name;
  const char* host;  // empty: a generic Moebooru install has no public default
};
constexpr SiteName kSites[] = {
    {SiteKind::kKonachan, "konachan", "https://konachan.net"},
    {SiteKind::kYandere, "yandere", "https://yande.re"},
    {SiteKind::kMoebooru, "moebooru", ""},
    {SiteKind::kDanbooru, "danbooru", "https://danbooru.donmai.us"},
    {SiteKind::kSafebooru, "safebooru", "https://safebooru.donmai.us"},
};
constexpr const char* kFileKinds[] = {"preview", "sample", "jpeg", "original"};

int64_t parse_page_number(const std::string& text, const std::string& whole) {
  require(!text.empty() && text.size() <= 12 &&
              std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }),
          "--pages must look like A-B, A or A- with page numbers >= 1 (got '" + whole + "')");
  return std::stoll(text);
}

}  // namespace

std::string to_string(SiteKind site) {
  for (const auto& s : kSites) {
    if (s.site == site) return s.name;
  }
  return "?";
}

std::string to_string(ListingMode mode) { return mode == ListingMode::kHtml ? "html" : "api"; }

std::string to_string(FileKind kind) { return kFileKinds[static_cast<int>(kind)]; }

SiteKind parse_site(const std::string& name) {
  for (const auto& s : kSites) {
    if (name == s.name) return s.site;
  }
  throw ConfigError(
      "--site must be one of konachan, yandere, moebooru, danbooru, safebooru (got '" + name +
      "')");
}

ListingMode parse_mode(const std::string& name) {
  if (name == "html") return ListingMode::kHtml;
  if (name == "api") return ListingMode::kApi;
  throw ConfigError("--mode must be html or api (got '" + name + "')");
}

FileKind parse_file_kind(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kFileKinds[i]) return static_cast<FileKind>(i);
  }
  throw ConfigError("--file must be preview, sample, jpeg or original (got '" + name + "')");
}

bool is_moebooru_family(SiteKind site) {
  return site == SiteKind::kKonachan || site == SiteKind::kYandere || site == SiteKind::kMoebooru;
}

PageRange PageRange::parse(const std::string& text) {
  PageRange range;
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    range.first = range.last = parse_page_number(text, text);
  } else {
    range.first = parse_page_number(text.substr(0, dash), text);
    std::string rest = text.substr(dash + 1);
    range.last = rest.empty() ? 0 : parse_page_number(rest, text);
  }
  require(range.first >= 1, "--pages starts at page 1 (got '" + text + "')");
  require(range.last == 0 || range.last >= range.first,
          "--pages A-B needs A <= B (got '" + text + "')");
  return range;
}

std::string PageRange::to_string() const {
  return std::to_string(first) + "-" + (last == 0 ? "" : std::to_string(last));
}

std::string CrawlConfig::resolved_base_url() const {
  std::string base = base_url;
  if (base.empty()) {
    for (const auto& s : kSites) {
      if (s.site == site) base = s.host;
    }
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string CrawlConfig::resolved_archive_path() const {
  return archive_path.empty() ? out_dir + "/crawl.sqlite" : archive_path;
}

std::string CrawlConfig::resolved_user_agent() const {
  return user_agent.empty() ? std::string("dcgan/") + kVersion + " (+image-board crawler)"
                            : user_agent;
}

void CrawlConfig::validate() const {
  require(!out_dir.empty(), "--out is required: the folder to write the images to");
  const std::string base = resolved_base_url();
  require(!base.empty(), "--base-url is required for --site moebooru (e.g. https://host)");
  require(base.rfind("http://", 0) == 0 || base.rfind("https://", 0) == 0,
          "--base-url must start with http:// or https:// (got '" + base + "')");
  require(mode == ListingMode::kApi || is_moebooru_family(site),
          "--mode html reads Moebooru pages; use --mode api for --site " + crawl::to_string(site));
  for (const auto& r : ratings) {
    require(r == "g" || r == "s" || r == "q" || r == "e",
            "--rating takes s, q, e (or g on Danbooru), comma-separated (got '" + r + "')");
  }
  require(limit >= 0, "--limit must be >= 0 (0 = no limit)");
  require(max_bytes >= 1024, "--max-bytes must be at least 1024");
  require(max_page_bytes >= 1024, "--max-page-bytes must be at least 1024");
  require(per_page >= 0 && per_page <= 1000, "--per-page must be between 0 and 1000");
  require(rate >= 0, "--rate must be >= 0 requests/s (0 = unlimited)");
  require(concurrency >= 1 && concurrency <= 64, "--concurrency must be between 1 and 64");
  require(connect_timeout_s > 0, "--connect-timeout must be > 0 seconds");
  require(low_speed_time_s > 0, "--low-speed-time must be > 0 seconds");
  require(low_speed_bytes >= 1, "--low-speed-bytes must be >= 1");
  require(max_time_s > 0, "--max-time must be > 0 seconds");
  require(retries >= 0 && retries <= 20, "--retries must be between 0 and 20");
  require(backoff_s >= 0, "--backoff must be >= 0 seconds");
  require(max_retry_after_s >= 0, "--max-retry-after must be >= 0 seconds");
  require(user_agent.find_first_of("\r\n") == std::string::npos,
          "--user-agent must be a single line");
}

std::string CrawlConfig::to_string() const {
  std::ostringstream out;
  out << "crawl: site=" << crawl::to_string(site) << " base_url=" << resolved_base_url()
      << " mode=" << crawl::to_string(mode) << " pages=" << pages.to_string() << " tags='" << tags
      << "' rating=";
  for (size_t i = 0; i < ratings.size(); ++i) out << (i ? "," : "") << ratings[i];
  out << " file=" << crawl::to_string(file) << " out=" << out_dir
      << " archive=" << resolved_archive_path() << " limit=" << limit << " max_bytes=" << max_bytes
      << " max_page_bytes=" << max_page_bytes << " per_page=" << per_page << " rate=" << rate
      << " concurrency=" << concurrency << " connect_timeout=" << connect_timeout_s
      << " low_speed=" << low_speed_bytes << "B/s for " << low_speed_time_s
      << "s max_time=" << max_time_s << " retries=" << retries << " backoff=" << backoff_s
      << " max_retry_after=" << max_retry_after_s << " user_agent='" << resolved_user_agent()
      << "'";
  return out.str();
}

}  // namespace dcgan::crawl
