#include "server/admission_control.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ferry {
namespace {

using namespace std::chrono_literals;
using clock_type = admission_control::clock;

struct recording_waiter : admission_waiter {
  int admitted_calls = 0;
  int timed_out_calls = 0;
  std::vector<int>* order = nullptr;
  int id = 0;
  void admitted() override {
    ++admitted_calls;
    if (order != nullptr) order->push_back(id);
  }
  void timed_out() override { ++timed_out_calls; }
};

admission_config fixed(std::size_t limit, std::size_t queue) {
  admission_config cfg;
  cfg.adaptive = false;
  cfg.max_inflight = limit;
  cfg.min_inflight = 1;
  cfg.queue_size = queue;
  cfg.queue_timeout = 1000ms;
  return cfg;
}

TEST(admission_control, admits_up_to_the_limit_then_queues_then_rejects) {
  admission_control control(fixed(2, 1));
  const auto now = clock_type::now();
  recording_waiter a, b, c, d;
  EXPECT_EQ(control.enter(a, now), admission_verdict::admitted);
  EXPECT_EQ(control.enter(b, now), admission_verdict::admitted);
  EXPECT_EQ(control.enter(c, now), admission_verdict::queued);
  EXPECT_EQ(control.enter(d, now), admission_verdict::rejected);
  EXPECT_EQ(control.inflight(), 2u);
  EXPECT_EQ(control.queued(), 1u);
  control.leave();
  EXPECT_EQ(c.admitted_calls, 1);
  EXPECT_EQ(control.inflight(), 2u);
  EXPECT_EQ(control.queued(), 0u);
  control.leave();
  control.leave();
  EXPECT_EQ(control.inflight(), 0u);
}

TEST(admission_control, waiters_are_admitted_in_arrival_order_and_newcomers_do_not_overtake) {
  admission_control control(fixed(1, 10));
  auto now = clock_type::now();
  std::vector<int> order;
  recording_waiter holder;
  recording_waiter w[4];
  ASSERT_EQ(control.enter(holder, now), admission_verdict::admitted);
  for (int i = 0; i < 4; ++i) {
    w[i].id = i;
    w[i].order = &order;
    ASSERT_EQ(control.enter(w[i], now), admission_verdict::queued);
  }
  for (int i = 0; i < 4; ++i) control.leave();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  // While someone waits, a new request queues even if a slot is momentarily free.
  admission_control busy(fixed(1, 10));
  recording_waiter first, second, third;
  ASSERT_EQ(busy.enter(first, now), admission_verdict::admitted);
  ASSERT_EQ(busy.enter(second, now), admission_verdict::queued);
  EXPECT_EQ(busy.enter(third, now), admission_verdict::queued);
}

TEST(admission_control, cancelled_waiters_leave_the_queue_from_any_position) {
  admission_control control(fixed(1, 10));
  const auto now = clock_type::now();
  recording_waiter holder, a, b, c;
  control.enter(holder, now);
  control.enter(a, now);
  control.enter(b, now);
  control.enter(c, now);
  control.cancel(b);
  control.cancel(b);  // twice is harmless
  EXPECT_EQ(control.queued(), 2u);
  control.cancel(a);
  control.cancel(c);
  EXPECT_EQ(control.queued(), 0u);
  control.leave();
  EXPECT_EQ(a.admitted_calls + b.admitted_calls + c.admitted_calls, 0);
  EXPECT_EQ(control.inflight(), 0u);
}

TEST(admission_control, waiters_time_out_after_the_queue_timeout_oldest_first) {
  admission_control control(fixed(1, 10));
  const auto start = clock_type::now();
  recording_waiter holder, early, late;
  control.enter(holder, start);
  control.enter(early, start);
  control.enter(late, start + 600ms);
  control.expire(start + 999ms);
  EXPECT_EQ(early.timed_out_calls, 0);
  control.expire(start + 1000ms);
  EXPECT_EQ(early.timed_out_calls, 1);
  EXPECT_EQ(late.timed_out_calls, 0);
  EXPECT_EQ(control.queued(), 1u);
  control.expire(start + 1600ms);
  EXPECT_EQ(late.timed_out_calls, 1);
  EXPECT_EQ(control.queued(), 0u);
  EXPECT_EQ(control.inflight(), 1u);  // timing out never frees or takes a slot
}

TEST(admission_control, queue_size_zero_rejects_at_once) {
  admission_control control(fixed(1, 0));
  const auto now = clock_type::now();
  recording_waiter a, b;
  control.enter(a, now);
  EXPECT_EQ(control.enter(b, now), admission_verdict::rejected);
}

TEST(admission_control, disabled_admits_everything_but_still_counts) {
  auto cfg = fixed(1, 0);
  cfg.enabled = false;
  admission_control control(cfg);
  const auto now = clock_type::now();
  recording_waiter w[5];
  for (auto& waiter : w) EXPECT_EQ(control.enter(waiter, now), admission_verdict::admitted);
  EXPECT_EQ(control.inflight(), 5u);
  // Turning it on by reload: the five still count against the limit of one.
  cfg.enabled = true;
  cfg.queue_size = 4;
  control.configure(cfg);
  recording_waiter next;
  EXPECT_EQ(control.enter(next, now), admission_verdict::queued);
  for (int i = 0; i < 4; ++i) control.leave();
  EXPECT_EQ(next.admitted_calls, 0);
  control.leave();
  EXPECT_EQ(next.admitted_calls, 1);
}

TEST(admission_control, reload_that_disables_admission_lets_every_waiter_in) {
  auto cfg = fixed(1, 4);
  admission_control control(cfg);
  const auto now = clock_type::now();
  recording_waiter holder, a, b;
  control.enter(holder, now);
  control.enter(a, now);
  control.enter(b, now);
  cfg.enabled = false;
  control.configure(cfg);
  EXPECT_EQ(a.admitted_calls, 1);
  EXPECT_EQ(b.admitted_calls, 1);
  EXPECT_EQ(control.inflight(), 3u);
}

admission_config adaptive(std::size_t low, std::size_t high) {
  admission_config cfg;
  cfg.adaptive = true;
  cfg.min_inflight = low;
  cfg.max_inflight = high;
  cfg.latency_target = 20ms;
  cfg.queue_size = 1000;
  return cfg;
}

TEST(admission_control, adaptive_limit_starts_at_the_floor_and_a_fixed_one_never_moves) {
  admission_control control(adaptive(4, 100));
  EXPECT_EQ(control.limit(), 4u);
  admission_control not_adaptive(fixed(7, 1));
  EXPECT_FALSE(not_adaptive.adapt(500ms));
  EXPECT_EQ(not_adaptive.limit(), 7u);
}

// Fills the limit and puts one more in the queue, so that the limit is what holds it back.
void saturate(admission_control& control, std::vector<recording_waiter>& running, recording_waiter& extra) {
  const auto now = clock_type::now();
  while (control.inflight() < control.limit()) {
    running.emplace_back();
    ASSERT_EQ(control.enter(running.back(), now), admission_verdict::admitted);
  }
  ASSERT_EQ(control.enter(extra, now), admission_verdict::queued);
}

TEST(admission_control, limit_doubles_while_held_back_and_the_loop_is_far_below_the_target) {
  admission_control control(adaptive(4, 100));
  std::vector<recording_waiter> running;
  running.reserve(200);
  recording_waiter extra;
  saturate(control, running, extra);
  EXPECT_TRUE(control.adapt(1ms));
  EXPECT_EQ(control.limit(), 8u);
  EXPECT_EQ(extra.admitted_calls, 1);  // the raised limit let the waiter in at once
  // Not held back (nobody waited): unchanged even though the loop is idle.
  EXPECT_FALSE(control.adapt(1ms));
  EXPECT_EQ(control.limit(), 8u);
  for (int step = 0; step < 10; ++step) {
    recording_waiter more;
    saturate(control, running, more);
    control.adapt(1ms);
    control.cancel(more);
  }
  EXPECT_EQ(control.limit(), 100u);  // capped at the ceiling
}

TEST(admission_control, limit_grows_by_about_its_square_root_close_to_the_target) {
  admission_control control(adaptive(16, 1000));
  std::vector<recording_waiter> running;
  running.reserve(200);
  recording_waiter extra;
  saturate(control, running, extra);
  control.adapt(15ms);  // between half the target and the target
  EXPECT_EQ(control.limit(), 18u);  // 16 + √16 / 2
}

TEST(admission_control, loop_delay_above_the_target_shrinks_the_limit_from_what_is_in_use) {
  admission_control control(adaptive(4, 1000));
  std::vector<recording_waiter> running;
  running.reserve(2000);
  recording_waiter extra;
  while (control.limit() < 64) {
    recording_waiter more;
    saturate(control, running, more);
    control.adapt(1ms);
    control.cancel(more);
  }
  ASSERT_EQ(control.limit(), 64u);
  saturate(control, running, extra);
  control.cancel(extra);
  ASSERT_EQ(control.inflight(), 64u);
  // 40 of the 64 stay; then the loop is 40 ms behind a 20 ms target.
  for (int i = 0; i < 24; ++i) control.leave();
  const auto in_use = control.inflight();
  control.adapt(0ms);  // a quiet tick resets the peak to what is in flight now
  EXPECT_EQ(in_use, 40u);
  EXPECT_TRUE(control.adapt(40ms));
  EXPECT_EQ(control.limit(), 20u);  // 40 × 20/40, not 64 × 20/40
  // Far over the target: at most halved per step.
  control.adapt(10s);
  EXPECT_EQ(control.limit(), 10u);
  for (int i = 0; i < 10; ++i) control.adapt(10s);
  EXPECT_EQ(control.limit(), 4u);  // never below the floor
  EXPECT_EQ(control.inflight(), 40u);  // shrinking never takes a slot from a running request
  // Under the target with nobody held back: unchanged.
  EXPECT_FALSE(control.adapt(1ms));
  EXPECT_EQ(control.limit(), 4u);
}

TEST(admission_control, reload_clamps_the_adaptive_limit_into_new_bounds) {
  admission_control control(adaptive(4, 100));
  control.configure(adaptive(60, 200));
  EXPECT_EQ(control.limit(), 60u);
  control.configure(adaptive(4, 50));
  EXPECT_EQ(control.limit(), 50u);
  control.configure(fixed(7, 1));
  EXPECT_EQ(control.limit(), 7u);
}

}  // namespace
}  // namespace ferry
