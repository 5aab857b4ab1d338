// HTTP GET over one reusable libcurl handle (keep-alive), made polite and robust: every
// request, redirect hop and retry takes a slot from the shared RateLimiter; redirects are
// followed by hand (so each hop is paced, only http/https, and only on the same host);
// retryable failures (network errors, timeouts, short bodies, 408/421/425/429/5xx) are retried
// with exponential backoff and jitter, or after Retry-After (seconds or HTTP-date), which also
// pauses the whole host. Bounded against hostile servers: each request has a total time limit
// besides the connect and low-speed ones, bodies (decoded, so gzip bombs too) a byte limit, and
// error and redirect bodies, which are discarded, a small one.
// One HttpClient per thread. It does not know about posts, files or the archive.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <random>
#include <string>

#include "dcgan/crawl/rate_limiter.h"

namespace dcgan::crawl {

// Where a response body goes. begin() is called before every attempt (so a retry starts
// from nothing); write() returns "" to go on, or why the body is refused (not an image,
// too large), which ends the transfer without retrying.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void begin() = 0;
  virtual std::string write(const char* data, size_t size) = 0;
};

// Keeps the body in memory (listing pages).
class StringSink : public BodySink {
 public:
  void begin() override { body_.clear(); }
  std::string write(const char* data, size_t size) override;
  const std::string& body() const { return body_; }

 private:
  std::string body_;
};

struct HttpOptions {
  std::string user_agent;
  double connect_timeout_s = 15;
  double low_speed_time_s = 30;
  int64_t low_speed_bytes = 1024;
  double max_time_s = 600;  // whole request, connect to last byte (one try of one hop)
  int retries = 3;
  double backoff_s = 1.0;
  double max_retry_after_s = 300;
  int max_redirects = 5;
  bool (*cancelled)() = nullptr;  // polled while waiting and during transfers
};

struct FetchResult {
  bool ok = false;
  bool cancelled = false;  // stopped by `cancelled()`; the item stays pending
  long http_status = 0;    // of the last response; 0 when none arrived
  int attempts = 0;        // requests made, redirect hops included
  int64_t bytes = 0;       // body bytes of the final response
  std::string final_url;
  std::string error;  // what went wrong, with the URL; "" when ok
};

class HttpClient {
 public:
  // Throws NetworkError when libcurl cannot be set up as needed (naming the option).
  HttpClient(HttpOptions options, RateLimiter& limiter);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GETs `url` into `sink`; bodies over `max_bytes` (decoded) are refused, naming `limit_flag`.
  FetchResult fetch(const std::string& url, BodySink& sink, int64_t max_bytes,
                    const std::string& limit_flag = "--max-bytes");

 private:
  struct Attempt;
  void configure();  // the handle's options for every transfer
  struct Limit {
    int64_t max_bytes;
    const std::string& flag;
  };
  Attempt perform(const std::string& url, BodySink& sink, const Limit& limit);
  Attempt follow(const std::string& url, BodySink& sink, const Limit& limit, FetchResult& result);
  bool wait(double seconds);  // false when cancelled

  HttpOptions options_;
  RateLimiter& limiter_;
  CURL* curl_;
  std::mt19937 jitter_;
};

}  // namespace dcgan::crawl
