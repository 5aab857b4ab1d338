// The SQLite archive on disk: pages and posts recorded together, downloads moving between
// pending, done and failed with attempts summed, and everything there after reopening.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "dcgan/core/error.h"
#include "dcgan/crawl/archive.h"
#include "support/test_support.h"

using namespace dcgan::crawl;
using dcgan::testing::TempDir;

namespace {

Post make_post(int64_t id) {
  Post p;
  p.id = id;
  p.md5 = "0123456789abcdef0123456789abcdef";
  p.rating = "s";
  p.preview_url = "http://h/p" + std::to_string(id) + ".jpg";
  return p;
}

DownloadRow row_for(const std::string& key, int attempts) {
  DownloadRow row;
  row.site = "konachan";
  row.post_key = key;
  row.kind = "preview";
  row.url = "http://h/p" + key + ".jpg";
  row.attempts = attempts;
  return row;
}

TEST(Archive, RecordsPagesPostsAndDownloadStates) {
  TempDir tmp;
  const std::string path = tmp / "crawl.sqlite";
  {
    Archive archive(path);
    archive.record_page("konachan", 1, "http://h/post?page=1", {make_post(1), make_post(2)},
                        {{"1", "preview", "http://h/p1.jpg"}, {"2", "preview", "http://h/p2.jpg"}});
    DownloadRow done = row_for("1", 2);
    done.path = "konachan-1.jpg";
    done.md5 = "md5";
    done.bytes = 123;
    archive.mark_done({done});
    DownloadRow failed = row_for("2", 4);
    failed.last_error = "HTTP 404: http://h/p2.jpg";
    archive.mark_failed(failed);
    archive.record_page_failure("konachan", 2, "http://h/post?page=2", "HTTP 503");
  }
  Archive archive(path);  // reopened: everything was committed
  ArchiveCounts counts = archive.counts();
  EXPECT_EQ(counts.posts, 2);
  EXPECT_EQ(counts.pages, 1);
  EXPECT_EQ(counts.pages_failed, 1);
  EXPECT_EQ(counts.downloads["done"], 1);
  EXPECT_EQ(counts.downloads["failed"], 1);
  EXPECT_EQ(counts.bytes_done, 123);
  auto row = archive.download("konachan", "1");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, "done");
  EXPECT_EQ(row->path, "konachan-1.jpg");
  EXPECT_EQ(row->attempts, 2);
  auto failed = archive.failed_downloads();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].last_error, "HTTP 404: http://h/p2.jpg");

  // Queued again: the failed row goes back to pending and keeps its attempts; a second
  // failure adds to them.
  archive.record_page("konachan", 1, "http://h/post?page=1", {make_post(2)},
                      {{"2", "preview", "http://h/p2.jpg"}});
  EXPECT_EQ(archive.download("konachan", "2")->status, "pending");
  archive.mark_failed(row_for("2", 1));
  EXPECT_EQ(archive.download("konachan", "2")->attempts, 5);
  EXPECT_FALSE(archive.download("yandere", "1").has_value());
}

TEST(Archive, UsesWriteAheadLogging) {
  TempDir tmp;
  Archive archive(tmp / "a.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((tmp / "a.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(Archive, UnopenablePathIsAnIoErrorNamingIt) {
  TempDir tmp;
  try {
    Archive archive(tmp / "missing-dir/crawl.sqlite");
    FAIL() << "expected IoError";
  } catch (const dcgan::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing-dir/crawl.sqlite"), std::string::npos);
  }
}

}  // namespace
