// SQLite crawl archive; see archive.h. Statements are small and prepared per call: a crawl
// makes a few writes per file, far below what SQLite does in WAL mode.
#include "dcgan/crawl/archive.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <functional>

#include "dcgan/core/error.h"

namespace dcgan::crawl {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS posts(
  site TEXT NOT NULL, post_key TEXT NOT NULL, id INTEGER, md5 TEXT, tags TEXT, rating TEXT,
  file_ext TEXT, file_size INTEGER, width INTEGER, height INTEGER,
  preview_url TEXT, sample_url TEXT, jpeg_url TEXT, file_url TEXT,
  seen_at TEXT NOT NULL, PRIMARY KEY (site, post_key));
CREATE TABLE IF NOT EXISTS downloads(
  site TEXT NOT NULL, post_key TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  path TEXT, bytes INTEGER, md5 TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  updated_at TEXT NOT NULL, PRIMARY KEY (site, post_key));
CREATE TABLE IF NOT EXISTS pages(
  site TEXT NOT NULL, url TEXT NOT NULL, page INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')), posts INTEGER, error TEXT,
  fetched_at TEXT NOT NULL, PRIMARY KEY (site, url));
)sql";

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// A prepared statement with positional binding; finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(const std::string& value) {
    sqlite3_bind_text(stmt_, ++index_, value.c_str(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int64_t value) {
    sqlite3_bind_int64(stmt_, ++index_, value);
    return *this;
  }
  bool step() {  // true while rows come
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail("write");
    return false;
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    index_ = 0;
  }
  std::string text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t != nullptr ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  [[noreturn]] void fail(const char* what) {
    throw IoError("crawl archive " + path_ + ": cannot " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
};

DownloadRow read_download(const Statement& s) {
  DownloadRow row;
  row.site = s.text(0);
  row.post_key = s.text(1);
  row.kind = s.text(2);
  row.url = s.text(3);
  row.status = s.text(4);
  row.path = s.text(5);
  row.bytes = s.integer(6);
  row.md5 = s.text(7);
  row.attempts = static_cast<int>(s.integer(8));
  row.last_error = s.text(9);
  return row;
}

constexpr const char* kDownloadColumns =
    "SELECT site, post_key, kind, url, status, path, bytes, md5, attempts, last_error "
    "FROM downloads ";

}  // namespace

Archive::Archive(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw IoError("cannot open the crawl archive " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 10000);  // `crawl --status` may read while a crawl writes
  try {
    // WAL + synchronous=NORMAL: a committed transaction survives the process being killed
    // (only a power cut can lose the last ones), at a fraction of FULL's fsyncs.
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    exec(kSchema);
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

Archive::~Archive() { sqlite3_close(db_); }

void Archive::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw IoError("crawl archive " + path_ + ": " + why +
                  " (is it a crawl archive, on a writable disk?)");
  }
}

void Archive::in_transaction(const std::function<void()>& body) {
  exec("BEGIN IMMEDIATE");
  try {
    body();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Archive::record_page(const std::string& site, int64_t page, const std::string& url,
                          const std::vector<Post>& posts,
                          const std::vector<QueuedDownload>& queued) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string now = now_iso8601();
  in_transaction([&] {
    Statement(db_,
              "INSERT INTO pages(site, url, page, status, posts, error, fetched_at) "
              "VALUES (?, ?, ?, 'done', ?, NULL, ?) ON CONFLICT(site, url) DO UPDATE SET "
              "status = 'done', posts = excluded.posts, error = NULL, "
              "fetched_at = excluded.fetched_at",
              path_)
        .bind(site)
        .bind(url)
        .bind(page)
        .bind(static_cast<int64_t>(posts.size()))
        .bind(now)
        .run();
    Statement upsert_post(
        db_,
        "INSERT INTO posts(site, post_key, id, md5, tags, rating, file_ext, file_size, width, "
        "height, preview_url, sample_url, jpeg_url, file_url, seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(site, post_key) DO "
        "UPDATE SET id = excluded.id, md5 = excluded.md5, tags = excluded.tags, "
        "rating = excluded.rating, file_ext = excluded.file_ext, file_size = excluded.file_size, "
        "width = excluded.width, height = excluded.height, preview_url = excluded.preview_url, "
        "sample_url = excluded.sample_url, jpeg_url = excluded.jpeg_url, "
        "file_url = excluded.file_url",
        path_);
    for (const Post& p : posts) {
      upsert_post.bind(site)
          .bind(p.key())
          .bind(p.id)
          .bind(p.md5)
          .bind(p.tags)
          .bind(p.rating)
          .bind(p.file_ext)
          .bind(p.file_size)
          .bind(static_cast<int64_t>(p.width))
          .bind(static_cast<int64_t>(p.height))
          .bind(p.preview_url)
          .bind(p.sample_url)
          .bind(p.jpeg_url)
          .bind(p.file_url)
          .bind(now);
      upsert_post.run();
    }
    Statement queue(db_,
                    "INSERT INTO downloads(site, post_key, kind, url, status, updated_at) "
                    "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(site, post_key) DO UPDATE SET "
                    "kind = excluded.kind, url = excluded.url, status = 'pending', "
                    "updated_at = excluded.updated_at",
                    path_);
    for (const QueuedDownload& q : queued) {
      queue.bind(site).bind(q.post_key).bind(q.kind).bind(q.url).bind(now);
      queue.run();
    }
  });
}

void Archive::record_page_failure(const std::string& site, int64_t page, const std::string& url,
                                  const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "INSERT INTO pages(site, url, page, status, posts, error, fetched_at) "
            "VALUES (?, ?, ?, 'failed', 0, ?, ?) ON CONFLICT(site, url) DO UPDATE SET "
            "status = 'failed', error = excluded.error, fetched_at = excluded.fetched_at",
            path_)
      .bind(site)
      .bind(url)
      .bind(page)
      .bind(error)
      .bind(now_iso8601())
      .run();
}

std::optional<DownloadRow> Archive::download(const std::string& site, const std::string& post_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string(kDownloadColumns) + "WHERE site = ? AND post_key = ?").c_str(),
              path_);
  s.bind(site).bind(post_key);
  if (!s.step()) return std::nullopt;
  return read_download(s);
}

void Archive::finish_downloads(const std::vector<DownloadRow>& rows, const char* status) {
  if (rows.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string now = now_iso8601();
  in_transaction([&] {
    Statement upsert(
        db_,
        "INSERT INTO downloads(site, post_key, kind, url, status, path, bytes, md5, "
        "attempts, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(site, post_key) DO UPDATE SET kind = excluded.kind, url = excluded.url, "
        "status = excluded.status, path = excluded.path, bytes = excluded.bytes, "
        "md5 = excluded.md5, attempts = downloads.attempts + excluded.attempts, "
        "last_error = excluded.last_error, updated_at = excluded.updated_at",
        path_);
    for (const DownloadRow& row : rows) {
      upsert.bind(row.site)
          .bind(row.post_key)
          .bind(row.kind)
          .bind(row.url)
          .bind(std::string(status))
          .bind(row.path)
          .bind(row.bytes)
          .bind(row.md5)
          .bind(static_cast<int64_t>(row.attempts))
          .bind(row.last_error)
          .bind(now);
      upsert.run();
    }
  });
}

void Archive::mark_done(const std::vector<DownloadRow>& rows) { finish_downloads(rows, "done"); }

void Archive::mark_failed(const DownloadRow& row) { finish_downloads({row}, "failed"); }

ArchiveCounts Archive::counts() {
  std::lock_guard<std::mutex> lock(mutex_);
  ArchiveCounts counts;
  {
    Statement s(db_, "SELECT COUNT(*) FROM posts", path_);
    if (s.step()) counts.posts = s.integer(0);
  }
  {
    Statement s(db_, "SELECT status, COUNT(*) FROM pages GROUP BY status", path_);
    while (s.step()) {
      (s.text(0) == "done" ? counts.pages : counts.pages_failed) = s.integer(1);
    }
  }
  Statement s(db_,
              "SELECT status, COUNT(*), COALESCE(SUM(bytes), 0) FROM downloads GROUP BY status",
              path_);
  while (s.step()) {
    counts.downloads[s.text(0)] = s.integer(1);
    if (s.text(0) == "done") counts.bytes_done = s.integer(2);
  }
  return counts;
}

std::vector<DownloadRow> Archive::failed_downloads() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(
      db_,
      (std::string(kDownloadColumns) + "WHERE status = 'failed' ORDER BY site, post_key").c_str(),
      path_);
  std::vector<DownloadRow> rows;
  while (s.step()) rows.push_back(read_download(s));
  return rows;
}

}  // namespace dcgan::crawl
