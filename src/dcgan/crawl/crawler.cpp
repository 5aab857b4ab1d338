// The crawl loop: the calling thread walks listing pages and queues downloads, worker
// threads (one HttpClient each) download, verify and commit files and record the outcome.
#include "dcgan/crawl/crawler.h"

#include <sys/stat.h>

#include <atomic>
#include <exception>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/crawl/archive.h"
#include "dcgan/crawl/file_committer.h"
#include "dcgan/crawl/http_client.h"
#include "dcgan/crawl/part_file.h"
#include "dcgan/crawl/rate_limiter.h"
#include "dcgan/crawl/site.h"
#include "dcgan/crawl/work_queue.h"

namespace dcgan::crawl {
namespace {

constexpr int kMaxConsecutivePageFailures = 3;
constexpr size_t kFailuresShown = 100;
constexpr auto kProgressTick = std::chrono::milliseconds(200);
// Jobs waiting for a worker: several listing pages' worth, so the next page is fetched while
// the workers are still busy, yet bounded (a few hundred kB) however long the crawl.
constexpr size_t kQueuedJobs = 1024;

struct DownloadJob {
  std::string post_key, url, expected_md5;
};

int64_t milliseconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string megabytes(int64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << bytes / 1e6 << " MB";
  return out.str();
}

bool file_has_size(const std::string& path, int64_t bytes) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == bytes;
}

bool rating_wanted(const CrawlConfig& config, const Post& post) {
  if (config.ratings.empty()) return true;
  for (const auto& r : config.ratings) {
    if (r == post.rating) return true;
  }
  return false;
}

class Crawl {
 public:
  explicit Crawl(const CrawlConfig& config)
      : config_(config),
        site_(to_string(config.site)),
        kind_(to_string(config.file)),
        limiter_(config.rate),
        archive_((ensure_dir(config.out_dir), config.resolved_archive_path())),
        queue_(kQueuedJobs),
        progress_("crawl", config.limit, "file"),
        committer_(config.out_dir, archive_,
                   [this](const DownloadRow& row, const std::string& error) {
                     on_committed(row, error);
                   }) {}

  CrawlSummary run();

 private:
  HttpOptions http_options() const;
  void worker();
  void download(HttpClient& http, const DownloadJob& job);
  // A download's outcome: error "" when its file is final and marked done.
  void on_committed(const DownloadRow& row, const std::string& error);
  void walk_pages();
  // Records the page and queues its downloads; false when --limit is reached.
  bool take_posts(int64_t page_no, const std::string& url, const ListingPage& page);
  bool push(DownloadJob& job);  // false when the crawl is stopping
  bool stopping() const { return interrupt_requested() || fatal_.load(); }
  bool limit_reached() const { return config_.limit > 0 && taken_ >= config_.limit; }
  void add_failure(const std::string& line);
  void update_progress();

  const CrawlConfig& config_;
  const std::string site_, kind_;
  RateLimiter limiter_;
  Archive archive_;
  WorkQueue<DownloadJob> queue_;
  ProgressBar progress_;

  std::mutex mutex_;  // guards summary_ fields written by workers, and fatal_error_
  CrawlSummary summary_;
  std::exception_ptr fatal_error_;
  std::atomic<bool> fatal_{false};
  std::atomic<int64_t> jobs_finished_{0};
  int64_t jobs_queued_ = 0;
  int64_t taken_ = 0;  // queued + already done, counted against --limit
  int64_t lowest_id_ = 0;
  int64_t current_page_ = 0;
  std::unordered_set<std::string> seen_;
  // Last: its destructor commits what is still waiting and reports into the members above.
  FileCommitter committer_;
};

HttpOptions Crawl::http_options() const {
  HttpOptions options;
  options.user_agent = config_.resolved_user_agent();
  options.connect_timeout_s = config_.connect_timeout_s;
  options.low_speed_time_s = config_.low_speed_time_s;
  options.low_speed_bytes = config_.low_speed_bytes;
  options.max_time_s = config_.max_time_s;
  options.retries = config_.retries;
  options.backoff_s = config_.backoff_s;
  options.max_retry_after_s = config_.max_retry_after_s;
  options.cancelled = interrupt_requested;
  return options;
}

void Crawl::add_failure(const std::string& line) {
  DCGAN_WARN(line);
  std::lock_guard<std::mutex> lock(mutex_);
  summary_.failures.push_back(line);
}

void Crawl::download(HttpClient& http, const DownloadJob& job) {
  DownloadRow row;
  row.site = site_;
  row.post_key = job.post_key;
  row.kind = kind_;
  row.url = job.url;
  // An IoError here (the .part cannot be created or written: a full or read-only disk) is the
  // output folder's, not the post's: it propagates and stops the crawl (exit 3), leaving the
  // post pending for the next run instead of failing it and every post after it.
  PartFile part(config_.out_dir, download_stem(site_, job.post_key));
  FetchResult fetched = http.fetch(job.url, part, config_.max_bytes);
  if (!part.disk_error().empty()) throw IoError(part.disk_error());
  row.attempts = fetched.attempts;
  if (fetched.cancelled) return;  // stays pending for the next run
  row.last_error = fetched.error;
  if (fetched.ok) {
    std::string problem = part.verify(job.expected_md5);
    if (problem.empty()) {
      row.path = part.release();
      row.bytes = part.bytes();
      row.md5 = part.md5();
      committer_.submit(part.part_path(), row);  // counted in on_committed()
      return;
    }
    row.last_error = problem + ": " + job.url;
  }
  archive_.mark_failed(row);
  on_committed(row, row.last_error);
}

void Crawl::on_committed(const DownloadRow& row, const std::string& error) {
  if (error.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++summary_.downloaded;
    summary_.bytes += row.bytes;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++summary_.failed;
  }
  add_failure(download_stem(site_, row.post_key) + ": " + error);
}

void Crawl::worker() {
  try {
    HttpClient http(http_options(), limiter_);
    while (auto job = queue_.pop()) {
      if (!stopping()) download(http, *job);
      ++jobs_finished_;
    }
  } catch (...) {
    // The archive or the output folder failed under us: stop the crawl, report in run().
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!fatal_error_) fatal_error_ = std::current_exception();
    }
    fatal_ = true;
    while (queue_.pop()) ++jobs_finished_;
  }
}

void Crawl::update_progress() {
  int64_t done, failed, bytes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done = summary_.downloaded + summary_.already_done + summary_.failed;
    failed = summary_.failed;
    bytes = summary_.bytes;
  }
  std::ostringstream suffix;
  suffix << "page " << current_page_ << ", " << megabytes(bytes);
  if (failed > 0) suffix << ", " << failed << " failed";
  progress_.update(done, suffix.str());
}

bool Crawl::push(DownloadJob& job) {
  while (!stopping()) {
    if (queue_.push(job, kProgressTick)) return true;
    update_progress();
  }
  return false;
}

bool Crawl::take_posts(int64_t page_no, const std::string& url, const ListingPage& page) {
  std::vector<QueuedDownload> queued;
  std::vector<DownloadJob> jobs;
  for (const Post& post : page.posts) {
    if (limit_reached()) break;
    const std::string key = post.key();
    if (!seen_.insert(key).second) continue;  // listings shift while we walk them
    ++summary_.posts;
    if (post.id > 0 && (lowest_id_ == 0 || post.id < lowest_id_)) lowest_id_ = post.id;
    if (!rating_wanted(config_, post)) {
      ++summary_.filtered;
      continue;
    }
    auto choice = choose_file(post, config_.file);
    if (!choice) {
      ++summary_.no_file;
      continue;
    }
    ++taken_;
    auto existing = archive_.download(site_, key);
    if (existing && existing->status == "done" && existing->kind == kind_ &&
        file_has_size(config_.out_dir + "/" + existing->path, existing->bytes)) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++summary_.already_done;
      continue;
    }
    queued.push_back({key, kind_, choice->url});
    jobs.push_back({key, choice->url, choice->expected_md5});
  }
  // The page, its posts and the pending rows land together before any download starts.
  archive_.record_page(site_, page_no, url, page.posts, queued);
  for (DownloadJob& job : jobs) {
    if (!push(job)) return false;
    ++jobs_queued_;
    update_progress();
  }
  return !limit_reached();
}

void Crawl::walk_pages() {
  HttpClient http(http_options(), limiter_);
  StringSink sink;
  int consecutive_failures = 0;
  for (int64_t page_no = config_.pages.first; config_.pages.contains(page_no); ++page_no) {
    if (stopping()) return;
    current_page_ = page_no;
    const std::string url = listing_url(config_, page_no, lowest_id_);
    const auto fetch_start = std::chrono::steady_clock::now();
    FetchResult fetched = http.fetch(url, sink, config_.max_page_bytes, "--max-page-bytes");
    const auto fetch_end = std::chrono::steady_clock::now();
    if (fetched.cancelled) return;
    std::string error = fetched.error;
    ListingPage page;
    if (fetched.ok) {
      try {
        page = parse_listing(config_, sink.body(), fetched.final_url);
        if (page.posts.empty() && page.unusable_entries == 0 && !page.empty_marker) {
          // A login wall, a challenge page or another layout: never silently "the end".
          error = "no posts and no empty-listing marker in " + url +
                  " (not a listing page? check --site, --mode and --base-url)";
        }
      } catch (const DataError& e) {
        error = e.what();
      }
    } else if ((fetched.http_status == 404 || fetched.http_status == 410) && summary_.pages > 0) {
      // Some boards answer past-the-end pages (or Danbooru's page limit) this way.
      summary_.stop_reason = "page " + std::to_string(page_no) + " answered HTTP " +
                             std::to_string(fetched.http_status) + ", taken as the end";
      return;
    }
    if (!error.empty()) {
      ++summary_.pages_failed;
      archive_.record_page_failure(site_, page_no, url, error);
      add_failure("page " + std::to_string(page_no) + ": " + error);
      if (++consecutive_failures >= kMaxConsecutivePageFailures) {
        summary_.stop_reason = std::to_string(consecutive_failures) + " pages in a row failed";
        return;
      }
      continue;
    }
    consecutive_failures = 0;
    ++summary_.pages;
    if (page.posts.empty() && page.unusable_entries == 0) {
      archive_.record_page(site_, page_no, url, {}, {});
      summary_.stop_reason = "page " + std::to_string(page_no) + " is empty";
      return;
    }
    const bool go_on = take_posts(page_no, url, page);
    DCGAN_DEBUG("page " << page_no << ": " << page.posts.size() << " posts, fetched in "
                        << milliseconds(fetch_end - fetch_start) << " ms, read in "
                        << milliseconds(std::chrono::steady_clock::now() - fetch_end) << " ms");
    if (!go_on) {
      if (stopping()) return;
      summary_.stop_reason = "--limit " + std::to_string(config_.limit) + " reached";
      return;
    }
    if (page.has_next == false) {
      summary_.stop_reason = "page " + std::to_string(page_no) + " is the last";
      return;
    }
  }
  summary_.stop_reason = "end of --pages " + config_.pages.to_string();
}

CrawlSummary Crawl::run() {
  const auto start = std::chrono::steady_clock::now();
  summary_.stale_parts_removed = remove_stale_parts(
      config_.out_dir, {"konachan-", "yandere-", "moebooru-", "danbooru-", "safebooru-"});
  std::vector<std::thread> workers;
  for (int i = 0; i < config_.concurrency; ++i) workers.emplace_back([this] { worker(); });
  try {
    walk_pages();
  } catch (...) {
    queue_.close();
    fatal_ = true;
    for (auto& w : workers) w.join();
    throw;
  }
  queue_.close();
  while (jobs_finished_.load() < jobs_queued_ && !fatal_) {
    update_progress();
    std::this_thread::sleep_for(kProgressTick);
  }
  for (auto& w : workers) w.join();
  if (fatal_error_) std::rethrow_exception(fatal_error_);
  committer_.flush();
  summary_.requests = limiter_.total_requests();
  summary_.interrupted = interrupt_requested();
  summary_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress_.finish();
  return summary_;
}

}  // namespace

CrawlSummary crawl(const CrawlConfig& config) {
  config.validate();
  DCGAN_DEBUG(config.to_string());
  CrawlSummary summary = Crawl(config).run();
  std::istringstream lines(format_summary(summary));
  for (std::string line; std::getline(lines, line);) DCGAN_INFO(line);
  return summary;
}

std::string format_summary(const CrawlSummary& s) {
  std::ostringstream out;
  const double seconds = std::max(s.seconds, 1e-9);
  out << "crawl: " << s.pages << " pages (" << s.pages_failed << " failed), " << s.posts
      << " posts; files: " << s.downloaded << " downloaded (" << megabytes(s.bytes) << "), "
      << s.already_done << " already done, " << s.failed << " failed, " << s.filtered
      << " filtered by rating, " << s.no_file << " without that file\n";
  out << "crawl: " << std::fixed << std::setprecision(1) << s.seconds << " s, "
      << std::setprecision(2) << s.downloaded / seconds << " files/s, " << s.requests
      << " requests (" << s.requests / seconds
      << "/s); stopped: " << (s.interrupted ? "interrupted" : s.stop_reason);
  if (s.stale_parts_removed > 0) out << "; removed " << s.stale_parts_removed << " stale .part";
  out << "\n";
  for (size_t i = 0; i < s.failures.size() && i < kFailuresShown; ++i) {
    out << "failed: " << s.failures[i] << "\n";
  }
  if (s.failures.size() > kFailuresShown) {
    out << "failed: ... and " << s.failures.size() - kFailuresShown
        << " more (dcgan crawl --status --failed lists every failed file)\n";
  }
  return out.str();
}

void raise_for(const CrawlSummary& s) {
  if (s.interrupted) {
    throw Interrupted("crawl interrupted; the archive is saved, run the same command to go on");
  }
  if (s.pages == 0 && s.pages_failed > 0) {
    throw NetworkError("no listing page could be read (" + s.failures.front() +
                       "); check --base-url, --site and --mode");
  }
  if (s.pages_failed + s.failed > 0) {
    throw PartialFailure(std::to_string(s.failed) + " files and " + std::to_string(s.pages_failed) +
                         " pages failed (listed above); run the same command again to retry them");
  }
}

std::string archive_status(const std::string& archive_path, bool list_failed) {
  struct stat st {};
  if (::stat(archive_path.c_str(), &st) != 0) {
    throw IoError("no crawl archive at " + archive_path + " (give --out or --archive)");
  }
  Archive archive(archive_path);
  ArchiveCounts counts = archive.counts();
  auto count = [&](const char* status) {
    auto it = counts.downloads.find(status);
    return it == counts.downloads.end() ? 0 : it->second;
  };
  std::ostringstream out;
  out << "archive: " << archive_path << "\n"
      << "pages: " << counts.pages << " read, " << counts.pages_failed << " failed\n"
      << "posts: " << counts.posts << "\n"
      << "files: " << count("done") << " done (" << megabytes(counts.bytes_done) << "), "
      << count("pending") << " pending, " << count("failed") << " failed\n";
  if (list_failed) {
    for (const DownloadRow& row : archive.failed_downloads()) {
      out << "failed: " << row.site << " " << row.post_key << " after " << row.attempts
          << " requests: " << row.last_error << "\n";
    }
  }
  return out.str();
}

}  // namespace dcgan::crawl
