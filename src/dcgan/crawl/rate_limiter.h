// Per-host request pacing shared by every transfer of a crawl: pages, files, redirects and
// retries each take a slot. Slots for one host are at least 1/rate apart (0.5% more), so no
// window of time ever sees more than rate requests per second (no bursts). A host that answered
// 429/503/421 with Retry-After can be paused for all transfers at once. Thread-safe.
// It paces request starts; it does not limit bandwidth.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace dcgan::crawl {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0: unlimited (pauses still apply).
  explicit RateLimiter(double requests_per_s);

  // Reserves the next slot for `host` at or after `now` and returns its time. Pure
  // bookkeeping, no sleeping: what acquire() and the tests use.
  Clock::time_point reserve(const std::string& host, Clock::time_point now);
  // Reserves a slot and sleeps until it. Returns false (slot given up) if `cancelled()`
  // turns true while waiting.
  bool acquire(const std::string& host, bool (*cancelled)() = nullptr);
  // No slot for `host` starts before `until` (Retry-After).
  void pause(const std::string& host, Clock::time_point until);

  int64_t requests(const std::string& host) const;
  int64_t total_requests() const;

 private:
  struct HostState {
    Clock::time_point next_slot{};
    Clock::time_point paused_until{};
    int64_t requests = 0;
  };
  Clock::duration interval_;
  mutable std::mutex mutex_;
  std::map<std::string, HostState> hosts_;
};

}  // namespace dcgan::crawl
