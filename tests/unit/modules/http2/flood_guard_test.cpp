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
  const token_rate rate(5, seconds(10));
  token_bucket bucket(rate, t0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(rate, t0));
  EXPECT_FALSE(bucket.take(rate, t0));
}

TEST(token_bucket, refills_evenly_over_the_period) {
  const time_point t0{seconds(100)};
  const token_rate rate(10, seconds(10));
  token_bucket bucket(rate, t0);
  for (int i = 0; i < 10; ++i) bucket.take(rate, t0);
  EXPECT_FALSE(bucket.take(rate, t0 + milliseconds(999)));
  EXPECT_TRUE(bucket.take(rate, t0 + milliseconds(1000)));  // one token per second
  EXPECT_FALSE(bucket.take(rate, t0 + milliseconds(1000)));
  // A long pause fills it only to capacity.
  const time_point later = t0 + std::chrono::hours(1000000);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.take(rate, later));
  EXPECT_FALSE(bucket.take(rate, later));
}

TEST(token_bucket, time_going_backwards_adds_nothing) {
  const time_point t0{seconds(100)};
  const token_rate rate(1, seconds(1));
  token_bucket bucket(rate, t0);
  EXPECT_TRUE(bucket.take(rate, t0));
  EXPECT_FALSE(bucket.take(rate, t0 - seconds(50)));
  EXPECT_FALSE(bucket.take(rate, t0));
}

TEST(token_bucket, credit_is_capped) {
  const time_point t0{seconds(100)};
  const token_rate rate(3, seconds(10));
  token_bucket bucket(rate, t0);
  for (int i = 0; i < 3; ++i) bucket.take(rate, t0);
  bucket.credit(rate, 100);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(rate, t0));
  EXPECT_FALSE(bucket.take(rate, t0));
}

TEST(token_bucket, largest_configurable_values_do_not_overflow) {
  const time_point t0{seconds(100)};
  const token_rate rate(1000000, std::chrono::hours(1));
  token_bucket bucket(rate, t0);
  EXPECT_TRUE(bucket.take(rate, t0 + std::chrono::hours(24 * 365 * 100)));
  const token_rate resets_rate(100000, seconds(100000));
  token_bucket resets(resets_rate, t0);  // reset_burst 100000, reset_rate 1
  EXPECT_TRUE(resets.take(resets_rate, t0));
}

TEST(flood_guard, reset_rate_is_per_second) {
  time_point now{seconds(100)};
  http2_flood_limits limits;
  limits.reset_burst = 4;
  limits.reset_rate = 2;
  flood_guard guard(limits, now);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(guard.count(flood_kind::client_reset, now));
  EXPECT_FALSE(guard.count(flood_kind::client_reset, now));
  now += milliseconds(500);
  EXPECT_TRUE(guard.count(flood_kind::client_reset, now));
  EXPECT_FALSE(guard.count(flood_kind::client_reset, now));
  // Kinds are counted apart.
  EXPECT_TRUE(guard.count(flood_kind::priority, now));
}

TEST(flood_guard, data_sent_earns_window_updates) {
  time_point now{seconds(100)};
  http2_flood_limits limits;
  limits.max_window_updates = 2;
  flood_guard guard(limits, now);
  EXPECT_TRUE(guard.count(flood_kind::window_update, now));
  EXPECT_TRUE(guard.count(flood_kind::window_update, now));
  EXPECT_FALSE(guard.count(flood_kind::window_update, now));
  guard.data_frame_sent();
  EXPECT_TRUE(guard.count(flood_kind::window_update, now));
  EXPECT_TRUE(guard.count(flood_kind::window_update, now));
  EXPECT_FALSE(guard.count(flood_kind::window_update, now));
}

}  // namespace
}  // namespace ferry
