// A virtual host's bandwidth budget: bytes charged move the budget on by bytes / rate, senders
// wait while it is more than a burst ahead of now, idle time is not banked beyond the burst, and
// concurrent charges from several threads all count.
#include "server/bandwidth_budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace ferry {
namespace {

using namespace std::chrono_literals;
using clock_type = bandwidth_budget::clock;

constexpr std::uint64_t mib = 1 << 20;

// A fixed starting point, far from the clock's epoch like a real steady_clock reading.
const clock_type::time_point t0 = clock_type::time_point(1000h);

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(bandwidth_budget, BurstIsATenthOfASecondButAtLeast16KiB) {
  bandwidth_budget b;
  b.set_rate(10 * mib);
  EXPECT_EQ(b.burst(), mib);
  b.set_rate(64 * 1024);
  EXPECT_EQ(b.burst(), 16u * 1024);
  b.set_rate(0);  // never a division by zero
  EXPECT_EQ(b.rate(), 1u);
}

TEST(bandwidth_budget, WaitsOnceMoreThanABurstAhead) {
  bandwidth_budget b;
  b.set_rate(mib);  // burst 104857 bytes = 0.1 s
  EXPECT_LE(b.wait(t0), clock_type::duration::zero());
  b.charge(b.burst(), t0);  // exactly one burst ahead: still no wait
  EXPECT_LE(b.wait(t0), clock_type::duration::zero());
  b.charge(mib, t0);  // one second more
  EXPECT_NEAR(seconds(b.wait(t0)), 1.0, 1e-6);
  EXPECT_NEAR(seconds(b.wait(t0 + 400ms)), 0.6, 1e-6);
  EXPECT_LE(b.wait(t0 + 1s), clock_type::duration::zero());
}

TEST(bandwidth_budget, IdleTimeIsNotBanked) {
  bandwidth_budget b;
  b.set_rate(mib);
  b.charge(mib, t0);
  // Ten quiet seconds later a megabyte still costs a second beyond the burst.
  const auto later = t0 + 10s;
  EXPECT_LE(b.wait(later), clock_type::duration::zero());
  b.charge(mib, later);
  EXPECT_NEAR(seconds(b.wait(later)), 0.9, 1e-6);
}

TEST(bandwidth_budget, ARateChangeAppliesToTheNextCharge) {
  bandwidth_budget b;
  b.set_rate(mib);
  b.charge(mib, t0);
  b.set_rate(2 * mib);  // burst 0.1 s of the new rate
  b.charge(2 * mib, t0);
  EXPECT_NEAR(seconds(b.wait(t0)), 1.0 + 1.0 - 0.1, 1e-6);
}

TEST(bandwidth_budget, ConcurrentChargesAllCount) {
  bandwidth_budget b;
  b.set_rate(mib);
  constexpr int threads = 4;
  constexpr int charges = 10000;
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      for (int j = 0; j < charges; ++j) b.charge(1024, t0);
    });
  }
  for (auto& w : workers) w.join();
  // 40,000 KiB at 1 MiB/s: 39.0625 s, less the 0.1 s burst.
  EXPECT_NEAR(seconds(b.wait(t0)), 39.0625 - 0.1, 1e-3);
}

TEST(bandwidth_budget, BudgetsAreOnePerTenantAndStay) {
  bandwidth_budget& a = bandwidth_budget_of(7);
  bandwidth_budget& b = bandwidth_budget_of(8);
  EXPECT_NE(&a, &b);
  bandwidth_budget_of(500);  // growing the registry moves nothing
  EXPECT_EQ(&a, &bandwidth_budget_of(7));
}

TEST(body_pacer, ChargesOnlyWhatWasSentSinceTheLastCall) {
  bandwidth_budget b;
  b.set_rate(mib);
  body_pacer pacer;
  EXPECT_FALSE(pacer.active());
  pacer.settle(mib, t0);  // inactive: nothing charged
  EXPECT_LE(b.wait(t0), clock_type::duration::zero());
  pacer.start(&b);
  EXPECT_TRUE(pacer.active());
  EXPECT_EQ(pacer.piece_limit(), b.burst());
  EXPECT_LE(pacer.next_piece(0, t0), clock_type::duration::zero());
  EXPECT_NEAR(seconds(pacer.next_piece(mib / 2, t0)), 0.4, 1e-6);
  EXPECT_NEAR(seconds(pacer.next_piece(mib / 2, t0)), 0.4, 1e-6);  // the same total: no new charge
  pacer.settle(mib, t0);
  EXPECT_NEAR(seconds(b.wait(t0)), 0.9, 1e-6);
  pacer.start(&b);  // a new body starts counting from zero
  pacer.settle(mib / 4, t0);
  EXPECT_NEAR(seconds(b.wait(t0)), 1.15, 1e-6);
}

}  // namespace
}  // namespace ferry
