// The token buckets behind the flood limits: bursts, refill over time, credit, no overflow.
#include "modules/http2/flood_guard.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using time_point = std::chrono::steady_clock::time_point;

TEST(token_bucket, allows_a_burst_then_refuses) {
  const time_point t0{seconds(100)};
  token_bucket bucket(5, seconds(10), t0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
}

TEST(token_bucket, refills_evenly_over_the_period) {
  const time_point t0{seconds(100)};
  token_bucket bucket(10, seconds(10), t0);
  for (int i = 0; i < 10; ++i) bucket.take(t0);
  EXPECT_FALSE(bucket.take(t0 + milliseconds(999)));
  EXPECT_TRUE(bucket.take(t0 + milliseconds(1000)));  // one token per second
  EXPECT_FALSE(bucket.take(t0 + milliseconds(1000)));
  // A long pause fills it only to capacity.
  const time_point later = t0 + std::chrono::hours(1000000);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.take(later));
  EXPECT_FALSE(bucket.take(later));
}

TEST(token_bucket, time_going_backwards_adds_nothing) {
  const time_point t0{seconds(100)};
  token_bucket bucket(1, seconds(1), t0);
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0 - seconds(50)));
  EXPECT_FALSE(bucket.take(t0));
}

TEST(token_bucket, credit_is_capped) {
  const time_point t0{seconds(100)};
  token_bucket bucket(3, seconds(10), t0);
  for (int i = 0; i < 3; ++i) bucket.take(t0);
  bucket.credit(100);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
}

TEST(token_bucket, largest_configurable_values_do_not_overflow) {
  const time_point t0{seconds(100)};
  token_bucket bucket(1000000, std::chrono::hours(1), t0);
  EXPECT_TRUE(bucket.take(t0 + std::chrono::hours(24 * 365 * 100)));
  token_bucket resets(100000, seconds(100000), t0);  // reset_burst 100000, reset_rate 1
  EXPECT_TRUE(resets.take(t0));
}

TEST(flood_guard, reset_rate_is_per_second) {
  time_point now{seconds(100)};
  http2_flood_limits limits;
  limits.reset_burst = 4;
  limits.reset_rate = 2;
  flood_guard guard(limits, [&] { return now; });
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(guard.count(flood_kind::client_reset));
  EXPECT_FALSE(guard.count(flood_kind::client_reset));
  now += milliseconds(500);
  EXPECT_TRUE(guard.count(flood_kind::client_reset));
  EXPECT_FALSE(guard.count(flood_kind::client_reset));
  // Kinds are counted apart.
  EXPECT_TRUE(guard.count(flood_kind::priority));
}

TEST(flood_guard, data_sent_earns_window_updates) {
  time_point now{seconds(100)};
  http2_flood_limits limits;
  limits.max_window_updates = 2;
  flood_guard guard(limits, [&] { return now; });
  EXPECT_TRUE(guard.count(flood_kind::window_update));
  EXPECT_TRUE(guard.count(flood_kind::window_update));
  EXPECT_FALSE(guard.count(flood_kind::window_update));
  guard.data_frame_sent();
  EXPECT_TRUE(guard.count(flood_kind::window_update));
  EXPECT_TRUE(guard.count(flood_kind::window_update));
  EXPECT_FALSE(guard.count(flood_kind::window_update));
}

}  // namespace
}  // namespace ferry
