// GCRA: the exact decisions gcra.hpp specifies (the Redis script must reproduce them), its
// edge cases (burst 1, periods of centuries, a TAT far ahead of the clock), and properties
// checked against the header's formulas on many inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "modules/rate_limit/gcra.hpp"

namespace ferry {
namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;
constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();

gcra_policy policy(std::int64_t t, std::int64_t burst) {
  gcra_policy p;
  p.emission_interval_ns = t;
  p.burst = burst;
  return p;
}

// The formulas of gcra.hpp, written out literally (valid where nothing overflows).
gcra_decision reference(std::int64_t& tat_ns, std::int64_t now, const gcra_policy& p) {
  const std::int64_t tat = std::max(tat_ns, now);
  const std::int64_t new_tat = tat + p.emission_interval_ns;
  const std::int64_t allow_at = new_tat - p.burst * p.emission_interval_ns;
  gcra_decision d;
  if (now < allow_at) {
    d.allowed = false;
    d.retry_after_ns = allow_at - now;
    d.remaining = 0;
    d.reset_ns = tat - now;
    return d;
  }
  tat_ns = new_tat;
  d.allowed = true;
  d.remaining = (now - allow_at) / p.emission_interval_ns;
  d.reset_ns = new_tat - now;
  return d;
}

void expect_decision(const gcra_decision& d, bool allowed, std::int64_t retry_after,
                     std::int64_t remaining, std::int64_t reset) {
  EXPECT_EQ(d.allowed, allowed);
  EXPECT_EQ(d.retry_after_ns, retry_after);
  EXPECT_EQ(d.remaining, remaining);
  EXPECT_EQ(d.reset_ns, reset);
}

TEST(GcraPolicy, PerPeriodDividesThePeriod) {
  const gcra_policy p = gcra_policy::per_period(10, 1 * s, 4);
  EXPECT_EQ(p.emission_interval_ns, 100 * ms);
  EXPECT_EQ(p.burst, 4);
  EXPECT_EQ(gcra_policy::per_period(3, 1 * s, 1).emission_interval_ns, 333'333'333);
  EXPECT_EQ(gcra_policy::per_period(1, max_i64, 1).emission_interval_ns, max_i64);
  EXPECT_EQ(gcra_policy::per_period(60, 60 * s, 1).emission_interval_ns, 1 * s);
}

TEST(GcraPolicy, PerPeriodNeverYieldsZeroInterval) {
  EXPECT_EQ(gcra_policy::per_period(1000, 10, 1).emission_interval_ns, 1);
  EXPECT_EQ(gcra_policy::per_period(0, 1 * s, 1).emission_interval_ns, 1 * s);
  EXPECT_EQ(gcra_policy::per_period(-5, 1 * s, 1).emission_interval_ns, 1 * s);
  EXPECT_EQ(gcra_policy::per_period(1, 0, 1).emission_interval_ns, 1);
  EXPECT_EQ(gcra_policy::per_period(1, 1 * s, 0).burst, 1);
}

TEST(Gcra, NewKeyAdmitsBurstThenDenies) {
  const gcra_policy p = policy(1 * s, 3);
  const std::int64_t now = 100 * s;
  std::int64_t tat = 0;
  expect_decision(gcra_apply(tat, now, p), true, 0, 2, 1 * s);
  EXPECT_EQ(tat, now + 1 * s);
  expect_decision(gcra_apply(tat, now, p), true, 0, 1, 2 * s);
  expect_decision(gcra_apply(tat, now, p), true, 0, 0, 3 * s);
  EXPECT_EQ(tat, now + 3 * s);
  expect_decision(gcra_apply(tat, now, p), false, 1 * s, 0, 3 * s);
  EXPECT_EQ(tat, now + 3 * s) << "a denial must not move the TAT";
  expect_decision(gcra_apply(tat, now + 500 * ms, p), false, 500 * ms, 0, 2500 * ms);
  expect_decision(gcra_apply(tat, now + 1 * s - 1, p), false, 1, 0, 2 * s + 1);
  expect_decision(gcra_apply(tat, now + 1 * s, p), true, 0, 0, 3 * s);
  EXPECT_EQ(tat, now + 4 * s);
}

TEST(Gcra, IdleKeyRefillsToFullBurstOnly) {
  const gcra_policy p = policy(1 * s, 3);
  std::int64_t tat = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(gcra_apply(tat, 10 * s, p).allowed);
  // Two intervals later two requests are owed back; much later, never more than the burst.
  expect_decision(gcra_apply(tat, 12 * s, p), true, 0, 1, 2 * s);
  std::int64_t idle = tat;
  expect_decision(gcra_apply(idle, 1000 * s, p), true, 0, 2, 1 * s);
}

TEST(Gcra, ForgottenPassedTatDecidesLikeNewKey) {
  const gcra_policy p = policy(250 * ms, 5);
  std::int64_t passed = 40 * s;
  std::int64_t fresh = 0;
  const gcra_decision a = gcra_apply(passed, 50 * s, p);
  const gcra_decision b = gcra_apply(fresh, 50 * s, p);
  EXPECT_EQ(a.allowed, b.allowed);
  EXPECT_EQ(a.remaining, b.remaining);
  EXPECT_EQ(a.reset_ns, b.reset_ns);
  EXPECT_EQ(passed, fresh);
}

TEST(Gcra, BurstOneAllowsOnePerInterval) {
  const gcra_policy p = policy(1 * s, 1);
  std::int64_t tat = 0;
  expect_decision(gcra_apply(tat, 5 * s, p), true, 0, 0, 1 * s);
  expect_decision(gcra_apply(tat, 5 * s, p), false, 1 * s, 0, 1 * s);
  expect_decision(gcra_apply(tat, 6 * s - 1, p), false, 1, 0, 1);
  expect_decision(gcra_apply(tat, 6 * s, p), true, 0, 0, 1 * s);
}

TEST(Gcra, SteadyRateOverTenSeconds) {
  // 10 per second, no burst beyond one: requests every 10 ms for 10 s get exactly 100 in.
  const gcra_policy p = gcra_policy::per_period(10, 1 * s, 1);
  std::int64_t tat = 0;
  int admitted = 0;
  for (std::int64_t now = 0; now < 10 * s; now += 10 * ms) {
    admitted += gcra_apply(tat, now, p).allowed ? 1 : 0;
  }
  EXPECT_EQ(admitted, 100);
}

TEST(Gcra, TatFarInTheFuture) {
  // The clock went back, or another node's clock is far ahead: deny until the TAT is near.
  const gcra_policy p = policy(1 * s, 5);
  const std::int64_t now = 10 * s;
  std::int64_t tat = now + 1'000'000 * s;
  expect_decision(gcra_apply(tat, now, p), false, 1'000'000 * s - 4 * s, 0, 1'000'000 * s);
  EXPECT_EQ(tat, now + 1'000'000 * s);
  // At the edge of the TAT horizon.
  std::int64_t edge = (std::int64_t{1} << 62);
  expect_decision(gcra_apply(edge, 0, p), false, edge - 4 * s, 0, edge);
}

TEST(Gcra, HugeIntervalSaturatesInsteadOfOverflowing) {
  const gcra_policy p = gcra_policy::per_period(1, max_i64, 1);
  const std::int64_t now = (std::int64_t{1} << 62) - 1;
  std::int64_t tat = 0;
  expect_decision(gcra_apply(tat, now, p), true, 0, 0, max_i64 - now);
  EXPECT_EQ(tat, max_i64);
  expect_decision(gcra_apply(tat, now, p), false, max_i64 - now, 0, max_i64 - now);
  expect_decision(gcra_apply(tat, 0, p), false, max_i64, 0, max_i64);
  EXPECT_EQ(tat, max_i64);
}

TEST(Gcra, HugeBurstTimesIntervalDoesNotOverflow) {
  // (burst - 1) * T is about 2^70: the formula's allow_at would leave int64.
  const gcra_policy p = policy(std::int64_t{1} << 40, std::int64_t{1} << 30);
  std::int64_t tat = std::int64_t{1} << 62;
  const gcra_decision d = gcra_apply(tat, 0, p);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, (std::int64_t{1} << 30) - 1 - (std::int64_t{1} << 22));
  EXPECT_EQ(tat, (std::int64_t{1} << 62) + (std::int64_t{1} << 40));
  EXPECT_EQ(d.reset_ns, tat);

  const gcra_policy wide = policy(1 * s, max_i64);
  std::int64_t fresh = 0;
  expect_decision(gcra_apply(fresh, 7 * s, wide), true, 0, max_i64 - 1, 1 * s);
}

TEST(Gcra, NonsensePolicyOrStateIsSafe) {
  std::int64_t tat = -5 * s;  // a corrupt stored TAT counts as "passed"
  expect_decision(gcra_apply(tat, 3 * s, policy(1 * s, 2)), true, 0, 1, 1 * s);
  std::int64_t zero = 0;
  expect_decision(gcra_apply(zero, 3 * s, policy(0, 0)), true, 0, 0, 1);  // T and burst as 1
  std::int64_t neg = 0;
  expect_decision(gcra_apply(neg, 3 * s, policy(-7, -7)), true, 0, 0, 1);
  std::int64_t any = max_i64;
  const std::int64_t min_i64 = std::numeric_limits<std::int64_t>::min();
  const gcra_decision d = gcra_apply(any, min_i64, policy(1 * s, 3));
  EXPECT_FALSE(d.allowed);  // no UB (UBSan builds check), a denial
}

TEST(Gcra, MatchesTheHeaderFormulasOnRandomInputs) {
  std::mt19937_64 random(12345);
  // A value in [0, 2^bits) for a random bits below `max_bits`: small and large magnitudes alike.
  const auto below = [&random](unsigned max_bits) {
    return static_cast<std::int64_t>(random() % (std::uint64_t{1} << (random() % max_bits)));
  };
  for (int i = 0; i < 200'000; ++i) {
    const std::int64_t t = 1 + below(40);
    const std::int64_t burst = 1 + below(20);
    const std::int64_t now = static_cast<std::int64_t>(random() >> 2);  // [0, 2^62)
    const auto span = static_cast<std::uint64_t>(t * burst + 1);  // TATs a burst can reach
    std::int64_t stored = 0;
    switch (random() % 4) {
      case 0: stored = 0; break;                                                   // new key
      case 1: stored = now - static_cast<std::int64_t>(random() % (1u << 30)); break;  // passed
      case 2: stored = now + static_cast<std::int64_t>(random() % span); break;      // in use
      default: stored = static_cast<std::int64_t>(random() >> 2); break;           // anything
    }
    const gcra_policy p = policy(t, burst);
    std::int64_t actual_tat = stored;
    std::int64_t expected_tat = stored;
    const gcra_decision actual = gcra_apply(actual_tat, now, p);
    const gcra_decision expected = reference(expected_tat, now, p);
    ASSERT_EQ(actual.allowed, expected.allowed)
        << "T=" << t << " burst=" << burst << " now=" << now << " tat=" << stored;
    ASSERT_EQ(actual.retry_after_ns, expected.retry_after_ns);
    ASSERT_EQ(actual.remaining, expected.remaining);
    ASSERT_EQ(actual.reset_ns, expected.reset_ns);
    ASSERT_EQ(actual_tat, expected_tat);
  }
}

TEST(Gcra, RetryAfterIsExact) {
  std::mt19937_64 random(777);
  for (int i = 0; i < 20'000; ++i) {
    const gcra_policy p = policy(1 + static_cast<std::int64_t>(random() % (10 * s)),
                                 1 + static_cast<std::int64_t>(random() % 50));
    std::int64_t tat = 0;
    const std::int64_t now = static_cast<std::int64_t>(random() % (std::uint64_t{1} << 50));
    gcra_decision d;
    int guard = 0;
    do {
      d = gcra_apply(tat, now, p);
    } while (d.allowed && ++guard <= 100);
    ASSERT_FALSE(d.allowed) << "more than a burst admitted at one instant";
    std::int64_t early = tat;
    ASSERT_FALSE(gcra_apply(early, now + d.retry_after_ns - 1, p).allowed);
    std::int64_t on_time = tat;
    ASSERT_TRUE(gcra_apply(on_time, now + d.retry_after_ns, p).allowed);
  }
}

TEST(Gcra, RemainingCountsTheRequestsStillAdmitted) {
  std::mt19937_64 random(99);
  for (int i = 0; i < 2'000; ++i) {
    const gcra_policy p = policy(1 + static_cast<std::int64_t>(random() % s),
                                 1 + static_cast<std::int64_t>(random() % 100));
    std::int64_t tat = static_cast<std::int64_t>(random() % (std::uint64_t{1} << 40));
    const std::int64_t now = static_cast<std::int64_t>(random() % (std::uint64_t{1} << 40));
    const gcra_decision first = gcra_apply(tat, now, p);
    if (!first.allowed) continue;
    std::int64_t more = 0;
    while (more <= 100 && gcra_apply(tat, now, p).allowed) ++more;
    ASSERT_EQ(more, first.remaining);
  }
}

}  // namespace
}  // namespace ferry
