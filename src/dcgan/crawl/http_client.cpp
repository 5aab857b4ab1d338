// libcurl easy-handle transfers with pacing, redirects by hand and retries; see http_client.h.
#include "dcgan/crawl/http_client.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string_view>
#include <thread>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/crawl/url.h"

namespace dcgan::crawl {
namespace {

// Bodies of error and redirect responses are read (so that the connection can be reused) up to
// this much, then the transfer ends there: nothing of them is kept, and a server must not keep
// the crawler reading an endless "404 page".
constexpr int64_t kMaxDiscardedBodyBytes = 64 * 1024;

struct TransferState {
  CURL* curl;
  BodySink* sink;
  int64_t max_bytes;
  const std::string* limit_flag;
  bool (*cancelled)();
  int64_t bytes = 0;
  int64_t discarded = 0;
  bool discard_cut = false;  // an error or redirect body was cut at kMaxDiscardedBodyBytes
  bool head_ended = false;   // the blank line after the last response's headers arrived
  std::string refused;
};

bool is_success(long status) { return status >= 200 && status < 300; }

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t length = size * count;
  long status = 0;
  curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) {  // error pages and redirect bodies are not kept
    state->discarded += static_cast<int64_t>(length);
    if (state->discarded <= kMaxDiscardedBodyBytes) return length;
    state->discard_cut = true;
    return 0;
  }
  state->bytes += static_cast<int64_t>(length);
  if (state->bytes > state->max_bytes) {
    state->refused =
        "body larger than " + *state->limit_flag + " " + std::to_string(state->max_bytes);
    return 0;
  }
  state->refused = state->sink->write(data, length);
  return state->refused.empty() ? length : 0;
}

// Sees every header line: a status line starts a response's headers (there may be several,
// e.g. after a 100 Continue), the blank line ends them. libcurl takes a connection closed in the
// middle of them for a response without a body.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    state->head_ended = false;
  } else if (line == "\r\n" || line == "\n") {
    state->head_ended = true;
  }
  return line.size();
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<TransferState*>(user);
  return state->cancelled != nullptr && state->cancelled() ? 1 : 0;
}

bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool is_retryable(long status) {
  return status == 408 || status == 421 || status == 425 || status == 429 || status >= 500;
}

// Statuses by which a server says "too fast": the whole host is paused, not just one item.
bool is_throttling(long status) { return status == 421 || status == 429 || status == 503; }

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string seconds_text(double s) {
  return std::to_string(static_cast<int64_t>(std::ceil(s))) + " s";
}

}  // namespace

std::string StringSink::write(const char* data, size_t size) {
  body_.append(data, size);
  return "";
}

struct HttpClient::Attempt {
  enum class Kind { kOk, kRetry, kFail, kCancelled, kRedirect };
  Kind kind = Kind::kFail;
  long status = 0;
  std::string error;
  double retry_after_s = -1;  // < 0: the server gave none
  std::string location;
  int64_t bytes = 0;
};

namespace {

// curl_easy_setopt, or NetworkError naming the option: a setting that silently failed would
// leave a transfer unbounded (a timeout) or unsafe (the protocols).
template <typename Value>
void set_option(CURL* curl, CURLoption option, const char* name, Value value) {
  const CURLcode code = curl_easy_setopt(curl, option, value);
  if (code != CURLE_OK) {
    throw NetworkError(std::string("libcurl ") + curl_version_info(CURLVERSION_NOW)->version +
                       " refused " + name + ": " + curl_easy_strerror(code));
  }
}

}  // namespace

#define DCGAN_SET_OPTION(curl, option, value) set_option(curl, option, #option, value)

HttpClient::HttpClient(HttpOptions options, RateLimiter& limiter)
    : options_(std::move(options)), limiter_(limiter), jitter_(std::random_device{}()) {
  static std::once_flag global_init;
  static CURLcode global_init_code = CURLE_OK;
  std::call_once(global_init, [] { global_init_code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (global_init_code != CURLE_OK) {
    throw NetworkError(std::string("libcurl could not initialise: ") +
                       curl_easy_strerror(global_init_code));
  }
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw NetworkError("libcurl could not create a transfer handle");
  try {
    configure();
  } catch (...) {
    curl_easy_cleanup(curl_);
    throw;
  }
}

void HttpClient::configure() {
  DCGAN_SET_OPTION(curl_, CURLOPT_NOSIGNAL, 1L);
  // Only http and https, whatever a URL says (redirects are followed by hand, also http(s) only).
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the string form; the bitmask is deprecated there
  DCGAN_SET_OPTION(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  DCGAN_SET_OPTION(curl_, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  DCGAN_SET_OPTION(curl_, CURLOPT_FOLLOWLOCATION, 0L);
  DCGAN_SET_OPTION(curl_, CURLOPT_USERAGENT, options_.user_agent.c_str());
  // gzip, not brotli: servers compress on the fly, and brotli at its default level costs them
  // tens of times more CPU per page for a few percent fewer bytes.
  DCGAN_SET_OPTION(curl_, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  DCGAN_SET_OPTION(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout_s * 1000));
  DCGAN_SET_OPTION(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.max_time_s * 1000));
  DCGAN_SET_OPTION(curl_, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.low_speed_bytes));
  DCGAN_SET_OPTION(curl_, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(std::lround(options_.low_speed_time_s))));
  DCGAN_SET_OPTION(curl_, CURLOPT_WRITEFUNCTION, on_write);
  DCGAN_SET_OPTION(curl_, CURLOPT_HEADERFUNCTION, on_header);
  DCGAN_SET_OPTION(curl_, CURLOPT_NOPROGRESS, 0L);
  DCGAN_SET_OPTION(curl_, CURLOPT_XFERINFOFUNCTION, on_progress);
}

HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

HttpClient::Attempt HttpClient::perform(const std::string& url, BodySink& sink,
                                        const Limit& limit) {
  TransferState state{curl_, &sink, limit.max_bytes, &limit.flag, options_.cancelled,
                      0,     0,     false,           false,       ""};
  char error_text[CURL_ERROR_SIZE] = "";
  DCGAN_SET_OPTION(curl_, CURLOPT_URL, url.c_str());
  DCGAN_SET_OPTION(curl_, CURLOPT_WRITEDATA, &state);
  DCGAN_SET_OPTION(curl_, CURLOPT_HEADERDATA, &state);
  DCGAN_SET_OPTION(curl_, CURLOPT_XFERINFODATA, &state);
  DCGAN_SET_OPTION(curl_, CURLOPT_ERRORBUFFER, error_text);
  DCGAN_SET_OPTION(curl_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limit.max_bytes));
  CURLcode code = curl_easy_perform(curl_);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);  // cannot fail: the option is known
  // A discarded body that went on too long ends the transfer, not the response: its status
  // (an error to retry or not, a redirect) is what counts.
  if (state.discard_cut && code == CURLE_WRITE_ERROR) code = CURLE_OK;

  Attempt attempt;
  attempt.bytes = state.bytes;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &attempt.status);
  using Kind = Attempt::Kind;
  if (!state.refused.empty()) {
    attempt.error = state.refused + ": " + url;
    return attempt;
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    attempt.kind = Kind::kCancelled;
    attempt.error = "interrupted: " + url;
    return attempt;
  }
  if (code == CURLE_FILESIZE_EXCEEDED) {
    attempt.error =
        "body larger than " + limit.flag + " " + std::to_string(limit.max_bytes) + ": " + url;
    return attempt;
  }
  if (code != CURLE_OK) {
    attempt.kind = is_retryable(code) ? Kind::kRetry : Kind::kFail;
    attempt.error = std::string(curl_easy_strerror(code)) +
                    (error_text[0] != '\0' ? std::string(" (") + error_text + ")" : "") + ": " +
                    url;
    return attempt;
  }
  long version = 0;
  curl_easy_getinfo(curl_, CURLINFO_HTTP_VERSION, &version);
  // HTTP/1 only: HTTP/2 frames headers with lengths, and a cut there is a stream error anyway.
  const bool http1 = version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1;
  if (http1 && !state.head_ended) {
    attempt.kind = Kind::kRetry;
    attempt.error = "connection closed in the middle of the response headers: " + url;
    return attempt;
  }
  if (is_success(attempt.status)) {
    attempt.kind = Kind::kOk;
    return attempt;
  }
  if (is_redirect(attempt.status)) {
    char* location = nullptr;
    curl_easy_getinfo(curl_, CURLINFO_REDIRECT_URL, &location);
    attempt.location = location != nullptr ? location : "";
    attempt.kind = attempt.location.empty() ? Kind::kFail : Kind::kRedirect;
    attempt.error = "HTTP " + std::to_string(attempt.status) + " without a usable Location: " + url;
    return attempt;
  }
  curl_off_t retry_after = -1;
  if (curl_easy_getinfo(curl_, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
    attempt.retry_after_s = static_cast<double>(retry_after);
  }
  attempt.kind = is_retryable(attempt.status) ? Kind::kRetry : Kind::kFail;
  attempt.error = "HTTP " + std::to_string(attempt.status) + ": " + url;
  return attempt;
}

HttpClient::Attempt HttpClient::follow(const std::string& url, BodySink& sink, const Limit& limit,
                                       FetchResult& result) {
  std::string current = url;
  for (int hop = 0;; ++hop) {
    result.final_url = current;
    const std::string origin = url_origin(current);
    Attempt attempt;
    if (origin.empty()) {
      attempt.error = "not an http(s) URL: " + current;
      return attempt;
    }
    if (!limiter_.acquire(origin, options_.cancelled)) {
      attempt.kind = Attempt::Kind::kCancelled;
      attempt.error = "interrupted: " + current;
      return attempt;
    }
    ++result.attempts;
    sink.begin();
    attempt = perform(current, sink, limit);
    result.http_status = attempt.status;
    if (attempt.kind != Attempt::Kind::kRedirect) return attempt;
    const std::string next = resolve_url(current, attempt.location);
    std::string refused;
    if (next.empty()) {
      refused = "redirect to a non-http(s) URL '" + attempt.location + "'";
    } else if (!same_host(current, next)) {
      refused = "redirect to another host refused (" + next + ")";
    } else if (hop >= options_.max_redirects) {
      refused = "more than " + std::to_string(options_.max_redirects) + " redirects";
    }
    if (!refused.empty()) {
      attempt.kind = Attempt::Kind::kFail;
      attempt.error = refused + ": " + url;
      return attempt;
    }
    current = next;
  }
}

bool HttpClient::wait(double seconds) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
  while (std::chrono::steady_clock::now() < until) {
    if (options_.cancelled != nullptr && options_.cancelled()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        until - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
  }
  return true;
}

FetchResult HttpClient::fetch(const std::string& url, BodySink& sink, int64_t max_bytes,
                              const std::string& limit_flag) {
  FetchResult result;
  const Limit limit{max_bytes, limit_flag};
  for (int retry = 0;; ++retry) {
    Attempt attempt = follow(url, sink, limit, result);
    result.bytes = attempt.bytes;
    result.error = attempt.error;
    switch (attempt.kind) {
      case Attempt::Kind::kOk:
        result.ok = true;
        result.error.clear();
        return result;
      case Attempt::Kind::kCancelled:
        result.cancelled = true;
        return result;
      case Attempt::Kind::kFail:
      case Attempt::Kind::kRedirect:
        return result;
      case Attempt::Kind::kRetry:
        break;
    }
    if (retry >= options_.retries) {
      result.error += " (gave up after " + std::to_string(retry + 1) + " tries)";
      return result;
    }
    double delay = options_.backoff_s * std::ldexp(1.0, retry) *
                   std::uniform_real_distribution<double>(0.5, 1.0)(jitter_);
    if (attempt.retry_after_s >= 0) {
      if (attempt.retry_after_s > options_.max_retry_after_s) {
        result.error +=
            " (Retry-After " + seconds_text(attempt.retry_after_s) + " is over --max-retry-after)";
        return result;
      }
      delay = attempt.retry_after_s;
    }
    DCGAN_DEBUG("retry " << retry + 1 << " of " << options_.retries << " in " << delay
                         << " s after: " << attempt.error);
    if (is_throttling(attempt.status)) {
      // Every transfer to this host waits, and the retry's own slot comes after the pause.
      limiter_.pause(
          url_origin(result.final_url),
          RateLimiter::Clock::now() + std::chrono::duration_cast<RateLimiter::Clock::duration>(
                                          std::chrono::duration<double>(delay)));
    } else if (!wait(delay)) {
      result.cancelled = true;
      return result;
    }
  }
}

}  // namespace dcgan::crawl
