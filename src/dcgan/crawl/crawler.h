// `dcgan crawl`: walks the listing pages of one site (HTML or API), records every post in the
// archive, and downloads the chosen file of each with --concurrency workers that share one
// per-host rate limit. Resumable: finished files are skipped, failed and pending ones retried,
// stale .part files removed. Progress on stderr, a summary at the end. Per-item failures are
// counted and listed, never fatal; the caller turns the summary into an exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcgan/crawl/crawl_config.h"

namespace dcgan::crawl {

struct CrawlSummary {
  int64_t pages = 0;         // listing pages read
  int64_t pages_failed = 0;  // listing pages that could not be read or parsed
  int64_t posts = 0;         // distinct posts seen
  int64_t downloaded = 0;
  int64_t already_done = 0;  // finished by an earlier run (file present and whole)
  int64_t filtered = 0;      // not of the --rating asked for
  int64_t no_file = 0;       // no URL for --file (deleted or restricted posts)
  int64_t failed = 0;        // downloads that failed
  int64_t bytes = 0;         // downloaded this run
  int64_t requests = 0;      // HTTP requests made (pages, files, redirects, retries)
  int64_t stale_parts_removed = 0;
  double seconds = 0;
  bool interrupted = false;
  std::string stop_reason;            // why paging stopped
  std::vector<std::string> failures;  // one line per failed page or file
};

// Runs the crawl and logs its summary. Throws ConfigError/IoError for unusable settings or
// folders; per-item failures only show in the summary.
CrawlSummary crawl(const CrawlConfig& config);

// Throws what the summary means for the exit code: Interrupted, NetworkError (no listing page
// could be read at all), PartialFailure (some pages or files failed). Returns when all is well.
void raise_for(const CrawlSummary& summary);

// The summary as printed at the end of a crawl (several lines).
std::string format_summary(const CrawlSummary& summary);

// `dcgan crawl --status`: counts of the archive at `archive_path` (and the failed downloads,
// one per line, when `list_failed`). Throws IoError when the archive does not exist.
std::string archive_status(const std::string& archive_path, bool list_failed);

}  // namespace dcgan::crawl
