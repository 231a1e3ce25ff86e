// The token buckets behind the flood limits: bursts, refill over time, credit, no overflow.
#include "modules/http2/flood_guard.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using time_point = std::chrono::steady_clock::time_point;

TEST(token_bucket, allows_a_burst_then_refuses) {
  const token_rate rate(5, seconds(10));
  token_bucket bucket(rate);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(rate));
  EXPECT_FALSE(bucket.take(rate));
}

TEST(token_bucket, refills_evenly_over_the_period) {
  const token_rate rate(10, seconds(10));
  token_bucket bucket(rate);
  for (int i = 0; i < 10; ++i) bucket.take(rate);
  bucket.refill(rate, milliseconds(999));
  EXPECT_FALSE(bucket.take(rate));
  bucket.refill(rate, milliseconds(1));
  EXPECT_TRUE(bucket.take(rate));  // one token per second
  EXPECT_FALSE(bucket.take(rate));
  // A long pause fills it only to capacity.
  bucket.refill(rate, std::chrono::hours(1000000));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.take(rate));
  EXPECT_FALSE(bucket.take(rate));
}

TEST(token_bucket, credit_is_capped) {
  const token_rate rate(3, seconds(10));
  token_bucket bucket(rate);
  for (int i = 0; i < 3; ++i) bucket.take(rate);
  bucket.credit(rate, 100);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(rate));
  EXPECT_FALSE(bucket.take(rate));
}

TEST(token_bucket, largest_configurable_values_do_not_overflow) {
  const token_rate rate(1000000, std::chrono::hours(1));
  token_bucket bucket(rate);
  bucket.take(rate);
  bucket.refill(rate, std::chrono::hours(24 * 365 * 100));
  EXPECT_TRUE(bucket.take(rate));
  const token_rate resets_rate(100000, seconds(100000));
  token_bucket resets(resets_rate);  // reset_burst 100000, reset_rate 1
  EXPECT_TRUE(resets.take(resets_rate));
}

TEST(flood_guard, time_going_backwards_adds_nothing) {
  const time_point t0{seconds(100)};
  http2_flood_limits limits;
  limits.max_priority_frames = 1;
  flood_guard guard(limits, t0);
  EXPECT_TRUE(guard.count(flood_kind::priority, t0));
  EXPECT_FALSE(guard.count(flood_kind::priority, t0 - seconds(50)));
  EXPECT_FALSE(guard.count(flood_kind::priority, t0));
}

// One clock refills every kind: a kind counted after another moved the clock still gets what
// the whole time since its own last count brings.
TEST(flood_guard, each_kind_refills_for_all_the_time_passed) {
  const time_point t0{seconds(100)};
  http2_flood_limits limits;
  limits.max_priority_frames = 2;
  limits.window = seconds(10);
  flood_guard guard(limits, t0);
  EXPECT_TRUE(guard.count(flood_kind::priority, t0));
  EXPECT_TRUE(guard.count(flood_kind::priority, t0));
  EXPECT_FALSE(guard.count(flood_kind::priority, t0));
  EXPECT_TRUE(guard.count(flood_kind::control_frame, t0 + seconds(3)));
  EXPECT_TRUE(guard.count(flood_kind::control_frame, t0 + seconds(4)));
  EXPECT_TRUE(guard.count(flood_kind::priority, t0 + seconds(5)));  // 5 s at 2 per 10 s: one
  EXPECT_FALSE(guard.count(flood_kind::priority, t0 + seconds(5)));
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
