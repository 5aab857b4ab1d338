// Slot bookkeeping of the per-host rate limit, on a fake clock: slots are exactly 1/rate
// apart whatever the callers' timing, hosts are independent, pauses push every later slot.
#include <gtest/gtest.h>

#include "dcgan/crawl/rate_limiter.h"

using dcgan::crawl::RateLimiter;
using std::chrono::milliseconds;

namespace {

const RateLimiter::Clock::time_point kT0{};

TEST(RateLimiter, SlotsAreSpacedByTheRateEvenUnderBursts) {
  RateLimiter limiter(5.0);
  std::vector<RateLimiter::Clock::time_point> slots;
  for (int i = 0; i < 10; ++i) slots.push_back(limiter.reserve("h", kT0));  // all at once
  for (int i = 1; i < 10; ++i) {
    EXPECT_GE(slots[i] - slots[i - 1], milliseconds(200)) << i;  // never faster than the rate
    EXPECT_LE(slots[i] - slots[i - 1], milliseconds(201)) << i;  // and hardly slower
  }
  EXPECT_EQ(slots[0], kT0);
  EXPECT_EQ(limiter.requests("h"), 10);
}

TEST(RateLimiter, IdleTimeIsNotSavedUpAsABurst) {
  RateLimiter limiter(2.0);
  limiter.reserve("h", kT0);
  auto later = kT0 + std::chrono::seconds(10);
  EXPECT_EQ(limiter.reserve("h", later), later);
  EXPECT_GE(limiter.reserve("h", later), later + milliseconds(500));
}

TEST(RateLimiter, HostsAreIndependent) {
  RateLimiter limiter(1.0);
  limiter.reserve("a", kT0);
  EXPECT_EQ(limiter.reserve("b", kT0), kT0);
  EXPECT_GE(limiter.reserve("a", kT0), kT0 + std::chrono::seconds(1));
  EXPECT_EQ(limiter.total_requests(), 3);
}

TEST(RateLimiter, PauseDelaysEverySlotOfTheHost) {
  RateLimiter limiter(0.0);  // unlimited
  EXPECT_EQ(limiter.reserve("h", kT0), kT0);
  EXPECT_EQ(limiter.reserve("h", kT0), kT0);
  limiter.pause("h", kT0 + std::chrono::seconds(3));
  EXPECT_EQ(limiter.reserve("h", kT0), kT0 + std::chrono::seconds(3));
  EXPECT_EQ(limiter.reserve("other", kT0), kT0);
}

TEST(RateLimiter, AcquireGivesUpWhenCancelled) {
  RateLimiter limiter(0.0);
  limiter.pause("h", RateLimiter::Clock::now() + std::chrono::hours(1));
  EXPECT_FALSE(limiter.acquire("h", [] { return true; }));
  EXPECT_TRUE(limiter.acquire("free"));
}

}  // namespace
