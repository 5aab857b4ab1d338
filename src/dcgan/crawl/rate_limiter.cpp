// Slot-reservation pacing; see rate_limiter.h.
#include "dcgan/crawl/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace dcgan::crawl {

// Slots are 0.5% further apart than 1/rate: requests leave exactly on their slots, but reach
// the server with a little jitter, and the server must still never count more than `rate`
// in any one-second window.
constexpr double kSpacingMargin = 1.005;

RateLimiter::RateLimiter(double requests_per_s)
    : interval_(requests_per_s > 0
                    ? std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(kSpacingMargin / requests_per_s))
                    : Clock::duration::zero()) {}

RateLimiter::Clock::time_point RateLimiter::reserve(const std::string& host,
                                                    Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  HostState& state = hosts_[host];
  Clock::time_point slot = std::max({now, state.next_slot, state.paused_until});
  state.next_slot = slot + interval_;
  ++state.requests;
  return slot;
}

bool RateLimiter::acquire(const std::string& host, bool (*cancelled)()) {
  const Clock::time_point slot = reserve(host, Clock::now());
  // Sleep in short steps so an interrupt is noticed during long Retry-After pauses.
  constexpr auto kStep = std::chrono::milliseconds(100);
  for (auto now = Clock::now(); now < slot; now = Clock::now()) {
    if (cancelled != nullptr && cancelled()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(slot - now, kStep));
  }
  return true;
}

void RateLimiter::pause(const std::string& host, Clock::time_point until) {
  std::lock_guard<std::mutex> lock(mutex_);
  HostState& state = hosts_[host];
  state.paused_until = std::max(state.paused_until, until);
}

int64_t RateLimiter::requests(const std::string& host) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.requests;
}

int64_t RateLimiter::total_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t total = 0;
  for (const auto& [host, state] : hosts_) total += state.requests;
  return total;
}

}  // namespace dcgan::crawl
