// A loopback image board for the crawl tests and benchmark (cpp-httplib on 127.0.0.1, an
// ephemeral port): Moebooru-shaped HTML listings (/post, with Post.register JSON, a
// will_paginate paginator and thumbnails whose src is absolute, protocol-relative or
// relative), Moebooru /post.json and Danbooru /posts.json, real JPEG/PNG files drawn from the
// synthetic faces, and faults injected per post or page. It records every request it serves.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace dcgan::crawl::fixture {

enum class Fault {
  kNone,
  kNotFound,         // 404 with an HTML body
  kTooManyOnce,      // 429 with Retry-After: 1, then the file
  kUnavailableOnce,  // 503 without Retry-After, then the file
  kSlowBody,         // one byte every 200 ms
  kShortBody,        // Content-Length says more than is sent
  kWrongMd5,         // the listing's md5 is not the original's
  kHtmlAsImage,      // 200, Content-Type image/jpeg, an HTML body
  kRedirect,         // 302 to the real location
  kTraversalName,    // URLs "../../x-ID-KIND.jpg"
  kAbsoluteName,     // URLs whose last segment is "%2Fetc%2Fx-ID-KIND.jpg"
  kOversize,         // a 300 kB chunked body (no Content-Length)
};

struct FixtureOptions {
  int pages = 3;
  int posts_per_page = 4;
  int64_t first_id = 1000;
  int latency_ms = 0;         // added before every response
  int body_pause_ms = 0;      // pause in the middle of every file body
  bool post_register = true;  // embed Post.register({...}) JSON in the HTML
  bool paginator = true;
  uint64_t seed = 7;
  std::set<int> malformed_pages;         // served as broken, unclosed HTML without JSON
  std::set<int> unavailable_once_pages;  // 503 on the first request of these listing pages
  std::set<int64_t> deleted_ids;         // Moebooru "deleted" posts: no files
};

class FixtureSite {
 public:
  explicit FixtureSite(FixtureOptions options = {});
  ~FixtureSite();
  FixtureSite(const FixtureSite&) = delete;
  FixtureSite& operator=(const FixtureSite&) = delete;

  void set_fault(int64_t id, Fault fault);
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<int64_t> ids() const;  // every post, listing order
  // Draws and encodes every file now, so that timed runs measure the crawler, not the board.
  void warm_up();
  static std::string rating_of(int64_t id);  // "s", "q", "e" by id % 3
  // The bytes served for a post's file: "preview" and "sample" and "jpeg" JPEG, "original" PNG.
  std::string file_bytes(int64_t id, const std::string& kind);
  std::string md5_of(const std::string& bytes) const;
  // The absolute URL the listings give for a post's file (faults applied).
  std::string url_of(int64_t id, const std::string& kind);

  int64_t requests() const;
  int64_t requests_to(const std::string& path_prefix) const;
  std::vector<std::chrono::steady_clock::time_point> request_times() const;

 private:
  struct Route {
    int64_t id;
    std::string kind;
    std::string encoded_path;  // as in the links
  };
  std::string original_md5(int64_t id);                        // cached
  std::string file_path(int64_t id, const std::string& kind);  // URL path, percent-encoded
  std::string file_link(int64_t id, const std::string& kind, int style);
  std::string moebooru_json(int64_t id, int style);
  std::string danbooru_json(int64_t id);
  std::string listing_html(int page);
  std::string listing_json(int page, bool danbooru);
  std::vector<int64_t> ids_on(int page) const;
  void serve_file(const Route& route, httplib::Response& res);
  void handle(const httplib::Request& req, httplib::Response& res);

  FixtureOptions options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<int64_t, Fault> faults_;
  std::map<std::string, Route> routes_;  // decoded path -> file
  std::map<std::string, std::string> cache_;
  std::map<std::string, int> served_;  // counts for the "once" faults
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> log_;
};

}  // namespace dcgan::crawl::fixture
