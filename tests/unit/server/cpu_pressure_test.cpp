// The worker's CPU pressure: what one tick's loop delay shows, and the hysteresis that keeps the
// level from flapping (up at once, down one level after calm_ticks calmer ticks in a row).
#include "server/cpu_pressure.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "server/worker_stats.hpp"

namespace ferry {
namespace {

using std::chrono::microseconds;
using level = cpu_pressure_level;

constexpr microseconds target{5000};  // the default latency_target, 5 ms
constexpr microseconds calm{1000};
constexpr microseconds busy{6000};     // above the target
constexpr microseconds overload{25000};  // above 4 × the target

// Feeds `ticks` identical ticks; returns the level after the last.
level feed(cpu_pressure& p, unsigned ticks, microseconds delay, bool waiting = false) {
  level now = p.level();
  for (unsigned i = 0; i < ticks; ++i) now = p.observe(delay, target, waiting);
  return now;
}

TEST(cpu_pressure, JudgesOneTick) {
  EXPECT_EQ(cpu_pressure::judge(microseconds{0}, target, false), level::none);
  EXPECT_EQ(cpu_pressure::judge(target, target, false), level::none);  // at the target is fine
  EXPECT_EQ(cpu_pressure::judge(target + microseconds{1}, target, false), level::high);
  EXPECT_EQ(cpu_pressure::judge(target * 4 - microseconds{1}, target, false), level::high);
  EXPECT_EQ(cpu_pressure::judge(target * 4, target, false), level::severe);
  EXPECT_EQ(cpu_pressure::judge(overload, target, false), level::severe);
}

TEST(cpu_pressure, WaitingRequestsMakeABusyLoopSevere) {
  EXPECT_EQ(cpu_pressure::judge(busy, target, true), level::severe);
  // A queue alone is the admission limit doing its job (it starts low and opens up): not
  // pressure while the loop keeps up.
  EXPECT_EQ(cpu_pressure::judge(calm, target, true), level::none);
  EXPECT_EQ(cpu_pressure::judge(target, target, true), level::none);
}

TEST(cpu_pressure, ExtremeValuesDoNotOverflow) {
  constexpr microseconds huge{std::numeric_limits<microseconds::rep>::max()};
  EXPECT_EQ(cpu_pressure::judge(huge, target, false), level::severe);
  EXPECT_EQ(cpu_pressure::judge(huge, huge, false), level::none);
  EXPECT_EQ(cpu_pressure::judge(microseconds{-5}, target, true), level::none);
  EXPECT_EQ(cpu_pressure::judge(microseconds{1}, microseconds{0}, false), level::severe);
}

TEST(cpu_pressure, StartsCalm) {
  const cpu_pressure p;
  EXPECT_EQ(p.level(), level::none);
  EXPECT_EQ(p.lowered(), 0u);
  EXPECT_EQ(p.skipped(), 0u);
}

TEST(cpu_pressure, RisesAtOnce) {
  cpu_pressure p;
  EXPECT_EQ(p.observe(busy, target, false), level::high);
  EXPECT_EQ(p.observe(overload, target, false), level::severe);
  cpu_pressure q;
  EXPECT_EQ(q.observe(overload, target, false), level::severe);  // no stop at high on the way up
  cpu_pressure r;
  EXPECT_EQ(r.observe(busy, target, true), level::severe);
}

TEST(cpu_pressure, FallsOneLevelAfterCalmTicks) {
  cpu_pressure p;
  p.observe(overload, target, false);
  EXPECT_EQ(feed(p, cpu_pressure::calm_ticks - 1, calm), level::severe);
  EXPECT_EQ(p.observe(calm, target, false), level::high);  // a calm loop still passes through high
  EXPECT_EQ(feed(p, cpu_pressure::calm_ticks - 1, calm), level::high);
  EXPECT_EQ(p.observe(calm, target, false), level::none);
  EXPECT_EQ(feed(p, 100, calm), level::none);
}

TEST(cpu_pressure, HighTicksCountAsCalmForSevere) {
  cpu_pressure p;
  p.observe(overload, target, false);
  EXPECT_EQ(feed(p, cpu_pressure::calm_ticks, busy), level::high);
  // Staying busy holds high for as long as it lasts.
  EXPECT_EQ(feed(p, 1000, busy), level::high);
}

TEST(cpu_pressure, OneBusyTickRestartsTheCount) {
  cpu_pressure p;
  p.observe(busy, target, false);
  for (int round = 0; round < 50; ++round) {
    EXPECT_EQ(feed(p, cpu_pressure::calm_ticks - 1, calm), level::high) << round;
    EXPECT_EQ(p.observe(busy, target, false), level::high) << round;  // no flapping to none
  }
  EXPECT_EQ(feed(p, cpu_pressure::calm_ticks, calm), level::none);
}

TEST(cpu_pressure, ASevereTickWhileHighRisesAndRestarts) {
  cpu_pressure p;
  p.observe(busy, target, false);
  feed(p, cpu_pressure::calm_ticks - 1, calm);
  EXPECT_EQ(p.observe(overload, target, false), level::severe);
  EXPECT_EQ(feed(p, cpu_pressure::calm_ticks - 1, calm), level::severe);
  EXPECT_EQ(p.observe(calm, target, false), level::high);
}

TEST(cpu_pressure, TargetChangesApplyOnTheNextTick) {
  cpu_pressure p;
  EXPECT_EQ(p.observe(busy, microseconds{10000}, false), level::none);
  EXPECT_EQ(p.observe(busy, microseconds{1000}, false), level::severe);  // 6 ms ≥ 4 × 1 ms
}

TEST(cpu_pressure, CountsWhatTheRequestPathDid) {
  cpu_pressure p;
  p.count_lowered();
  p.count_lowered();
  p.count_skipped();
  EXPECT_EQ(p.lowered(), 2u);
  EXPECT_EQ(p.skipped(), 1u);
  feed(p, 50, overload);  // observing leaves the counts alone
  EXPECT_EQ(p.lowered(), 2u);
  EXPECT_EQ(p.skipped(), 1u);
}

// /metrics: the gauge is the worst worker's level (a sum of levels would mean nothing), the
// counters are summed like the others.
TEST(cpu_pressure, MetricsTakeTheHighestLevelAndSumTheCounts) {
  stats_registry registry;
  worker_stats& a = registry.add_worker();
  worker_stats& b = registry.add_worker();
  worker_stats& c = registry.add_worker();
  a.cpu_pressure.set(static_cast<std::uint64_t>(level::high));
  b.cpu_pressure.set(static_cast<std::uint64_t>(level::severe));
  a.compression_lowered.set(3);
  c.compression_lowered.set(4);
  b.compression_skipped.set(5);
  metrics_snapshot s;
  registry.snapshot(s, nullptr);
  EXPECT_EQ(s.cpu_pressure, 2u);
  EXPECT_EQ(s.compression_lowered, 7u);
  EXPECT_EQ(s.compression_skipped, 5u);
  registry.remove_worker(b);
  registry.snapshot(s, nullptr);
  EXPECT_EQ(s.cpu_pressure, 1u);
  EXPECT_EQ(s.compression_skipped, 0u);
}

}  // namespace
}  // namespace ferry
