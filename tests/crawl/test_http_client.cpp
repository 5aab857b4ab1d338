// The HTTP layer against the loopback board: retries of 503 and short bodies, Retry-After on
// 429, redirects followed with every hop paced, no retry of 404, low-speed timeouts, bodies
// over the byte limit, and cancellation.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/crawl/http_client.h"
#include "fixture_site.h"

using namespace dcgan::crawl;
using fixture::Fault;
using fixture::FixtureSite;

namespace {

HttpOptions fast_options() {
  HttpOptions options;
  options.user_agent = "dcgan-test";
  options.retries = 2;
  options.backoff_s = 0.01;
  options.low_speed_time_s = 1;
  options.low_speed_bytes = 1000;
  return options;
}

class HttpClientTest : public ::testing::Test {
 protected:
  FixtureSite site_;
  RateLimiter limiter_{0.0};
  HttpClient http_{fast_options(), limiter_};
  StringSink sink_;
  int64_t id_ = site_.ids().front();
};

TEST_F(HttpClientTest, FetchesABody) {
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(sink_.body(), site_.file_bytes(id_, "preview"));
}

TEST_F(HttpClientTest, RetriesA503) {
  site_.set_fault(id_, Fault::kUnavailableOnce);
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(sink_.body(), site_.file_bytes(id_, "preview"));  // the 503 body was not kept
}

TEST_F(HttpClientTest, HonoursRetryAfterOn429) {
  site_.set_fault(id_, Fault::kTooManyOnce);
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.attempts, 2);
  auto times = site_.request_times();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], std::chrono::seconds(1));  // Retry-After: 1
}

TEST_F(HttpClientTest, DoesNotRetryA404) {
  site_.set_fault(id_, Fault::kNotFound);
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("HTTP 404"), std::string::npos) << r.error;
  EXPECT_TRUE(sink_.body().empty());
}

TEST_F(HttpClientTest, FollowsRedirectsPacingEachHop) {
  site_.set_fault(id_, Fault::kRedirect);
  FetchResult r = http_.fetch(site_.url_of(id_, "sample"), sink_, 1 << 20);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(limiter_.total_requests(), 2);
  EXPECT_NE(r.final_url.find("/redirected/"), std::string::npos);
  EXPECT_EQ(sink_.body(), site_.file_bytes(id_, "sample"));
}

TEST_F(HttpClientTest, RetriesShortBodiesThenGivesUp) {
  site_.set_fault(id_, Fault::kShortBody);
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.error.find("gave up after 3 tries"), std::string::npos) << r.error;
}

TEST_F(HttpClientTest, AbortsSlowBodies) {
  site_.set_fault(id_, Fault::kSlowBody);
  HttpOptions options = fast_options();
  options.retries = 0;
  HttpClient http(options, limiter_);
  FetchResult r = http.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("Timeout"), std::string::npos) << r.error;
}

TEST_F(HttpClientTest, RefusesBodiesOverTheLimit) {
  site_.set_fault(id_, Fault::kOversize);
  FetchResult r = http_.fetch(site_.url_of(id_, "preview"), sink_, 100000);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("--max-bytes"), std::string::npos) << r.error;
  EXPECT_LE(sink_.body().size(), 100000u);
}

TEST_F(HttpClientTest, RefusesNonHttpUrls) {
  FetchResult r = http_.fetch("file:///etc/passwd", sink_, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(site_.requests(), 0);
}

TEST_F(HttpClientTest, AnOptionLibcurlRefusesIsAnErrorNamingIt) {
  // A limit that silently did not apply would leave every transfer unbounded.
  HttpOptions options = fast_options();
  options.low_speed_bytes = -1;
  try {
    HttpClient http(options, limiter_);
    ADD_FAILURE() << "a negative low-speed limit was accepted";
  } catch (const dcgan::NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("refused CURLOPT_LOW_SPEED_LIMIT"), std::string::npos)
        << e.what();
  }
}

TEST_F(HttpClientTest, StopsWhenCancelled) {
  HttpOptions options = fast_options();
  options.cancelled = [] { return true; };
  HttpClient http(options, limiter_);
  FetchResult r = http.fetch(site_.url_of(id_, "preview"), sink_, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.cancelled);
}

}  // namespace
