// The crawl archive, an SQLite database (WAL journal, one transaction per state change, so a
// kill -9 loses at most the change in flight): every post seen, one download row per post
// (pending / done / failed, with path, bytes, md5, attempts and last error) and every listing
// page fetched. Re-runs read it to skip finished files and retry failed ones. Thread-safe.
// Table layout: docs/architecture.md, "crawl".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dcgan/crawl/post.h"

struct sqlite3;

namespace dcgan::crawl {

struct DownloadRow {
  std::string site, post_key, kind, url, status, path, md5, last_error;
  int64_t bytes = 0;
  int attempts = 0;
};

struct QueuedDownload {
  std::string post_key, kind, url;
};

struct ArchiveCounts {
  int64_t posts = 0;
  int64_t pages = 0, pages_failed = 0;
  std::map<std::string, int64_t> downloads;  // status -> count
  int64_t bytes_done = 0;
};

class Archive {
 public:
  // Opens or creates the database; throws IoError naming the path.
  explicit Archive(const std::string& path);
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // One listing page in one transaction: the page row, its posts, and pending rows for the
  // downloads queued from it (failed rows become pending again; done rows are not touched).
  void record_page(const std::string& site, int64_t page, const std::string& url,
                   const std::vector<Post>& posts, const std::vector<QueuedDownload>& queued);
  void record_page_failure(const std::string& site, int64_t page, const std::string& url,
                           const std::string& error);

  std::optional<DownloadRow> download(const std::string& site, const std::string& post_key);
  // status, path, bytes, md5; attempts are added. A batch is one transaction.
  void mark_done(const std::vector<DownloadRow>& rows);
  void mark_failed(const DownloadRow& row);  // last_error; attempts are added

  ArchiveCounts counts();
  std::vector<DownloadRow> failed_downloads();

  const std::string& path() const { return path_; }

 private:
  void exec(const char* sql);
  void in_transaction(const std::function<void()>& body);  // caller holds mutex_
  void finish_downloads(const std::vector<DownloadRow>& rows, const char* status);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace dcgan::crawl
