// The local store: per-key GCRA state, exact counts when many threads share one key, memory
// bounded under a flood of distinct keys, LRU eviction that spares busy keys.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "modules/rate_limit/local_rate_store.hpp"

namespace ferry {
namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;
constexpr std::int64_t hour = 3600 * s;

gcra_policy policy(std::int64_t t, std::int64_t burst) {
  gcra_policy p;
  p.emission_interval_ns = t;
  p.burst = burst;
  return p;
}

int admitted(local_rate_store& store, std::string_view key, std::int64_t now, const gcra_policy& p,
             int attempts) {
  int count = 0;
  for (int i = 0; i < attempts; ++i) count += store.decide(key, now, p).allowed ? 1 : 0;
  return count;
}

TEST(LocalRateStore, KeepsStatePerKey) {
  local_rate_store store(1000);
  const gcra_policy p = policy(1 * s, 2);
  const gcra_decision first = store.decide("a", 10 * s, p);
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining, 1);
  EXPECT_EQ(first.reset_ns, 1 * s);
  EXPECT_TRUE(store.decide("a", 10 * s, p).allowed);
  const gcra_decision third = store.decide("a", 10 * s, p);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.retry_after_ns, 1 * s);
  EXPECT_EQ(admitted(store, "b", 10 * s, p, 5), 2);
  EXPECT_TRUE(store.decide("a", 11 * s, p).allowed);
  EXPECT_FALSE(store.decide("a", 11 * s, p).allowed);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(LocalRateStore, KeysAreArbitraryBytes) {
  local_rate_store store(1000);
  const gcra_policy p = policy(hour, 1);
  using namespace std::string_view_literals;
  EXPECT_TRUE(store.decide(""sv, 0, p).allowed);
  EXPECT_FALSE(store.decide(""sv, 0, p).allowed);
  EXPECT_TRUE(store.decide("a"sv, 0, p).allowed);
  EXPECT_TRUE(store.decide("a\0b"sv, 0, p).allowed) << "an embedded NUL must not cut the key";
  EXPECT_TRUE(store.decide("a\0c"sv, 0, p).allowed);
  EXPECT_FALSE(store.decide("a\0b"sv, 0, p).allowed);
  EXPECT_TRUE(store.decide("\xff\xfe"sv, 0, p).allowed);
  EXPECT_EQ(store.size(), 5u);
}

TEST(LocalRateStore, OverlongKeysStayDistinctAndBounded) {
  local_rate_store store(1000);
  const gcra_policy p = policy(hour, 1);
  std::string a(5000, 'x');
  std::string b = a;
  b.back() = 'y';  // differs only after the bytes kept as they are
  const std::string exact(local_rate_store::max_key_size, 'x');
  const std::string one_more(local_rate_store::max_key_size + 1, 'x');
  EXPECT_TRUE(store.decide(a, 0, p).allowed);
  EXPECT_TRUE(store.decide(b, 0, p).allowed);
  EXPECT_TRUE(store.decide(exact, 0, p).allowed);
  EXPECT_TRUE(store.decide(one_more, 0, p).allowed);
  EXPECT_FALSE(store.decide(a, 0, p).allowed);
  EXPECT_FALSE(store.decide(b, 0, p).allowed);
  EXPECT_FALSE(store.decide(exact, 0, p).allowed);
  EXPECT_FALSE(store.decide(one_more, 0, p).allowed);
  EXPECT_EQ(store.size(), 4u);
  const std::string huge(1 << 20, 'z');
  EXPECT_TRUE(store.decide(huge, 0, p).allowed);
  EXPECT_FALSE(store.decide(huge, 0, p).allowed);
}

TEST(LocalRateStore, CapacityNeverExceedsMaxKeys) {
  for (const std::size_t max_keys : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3},
                                     std::size_t{63}, std::size_t{64}, std::size_t{100}, std::size_t{10'000}}) {
    local_rate_store store(max_keys);
    EXPECT_GE(store.capacity(), 1u);
    EXPECT_LE(store.capacity(), std::max<std::size_t>(max_keys, 1));
    EXPECT_GE(store.capacity() * 2, max_keys) << max_keys;
  }
  EXPECT_EQ(local_rate_store(10'000).capacity(), 64u * 156u);
  EXPECT_EQ(local_rate_store(64 * 200).capacity(), 64u * 200u);
}

TEST(LocalRateStore, SingleSlotEvictsAndForgets) {
  local_rate_store store(1);
  const gcra_policy p = policy(hour, 1);
  EXPECT_TRUE(store.decide("a", 0, p).allowed);
  EXPECT_FALSE(store.decide("a", 0, p).allowed);
  EXPECT_TRUE(store.decide("b", 0, p).allowed);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.evictions(), 1u);
  // "a" was forgotten: more lenient, never stricter.
  EXPECT_TRUE(store.decide("a", 0, p).allowed);
  EXPECT_EQ(store.evictions(), 2u);
  EXPECT_FALSE(store.decide("a", 0, p).allowed);
}

TEST(LocalRateStore, FloodOfDistinctKeysStaysBounded) {
  local_rate_store store(10'000);
  const gcra_policy p = policy(1 * s, 1);
  constexpr std::uint64_t flood = 1'000'000;
  std::string key;
  for (std::uint64_t i = 0; i < flood; ++i) {
    key = "flood:";
    key += std::to_string(i);
    ASSERT_TRUE(store.decide(key, 5 * s, p).allowed) << i;
  }
  EXPECT_LE(store.size(), 10'000u);
  EXPECT_EQ(store.size(), store.capacity()) << "every shard got far more keys than it holds";
  EXPECT_EQ(store.evictions(), flood - store.size());
}

TEST(LocalRateStore, LruKeepsAHotKeyThroughAFlood) {
  local_rate_store store(1024);  // 64 shards of 16
  const gcra_policy p = policy(hour, 1);
  EXPECT_TRUE(store.decide("hot", 0, p).allowed);
  EXPECT_TRUE(store.decide("cold", 0, p).allowed);
  std::string key;
  for (int i = 0; i < 100'000; ++i) {
    key = "flood:" + std::to_string(i);
    ASSERT_TRUE(store.decide(key, 0, p).allowed);
    // Used after every new key, so at most one newer key shares its shard's LRU front.
    ASSERT_FALSE(store.decide("hot", 0, p).allowed) << "hot key evicted after " << i << " keys";
  }
  EXPECT_TRUE(store.decide("cold", 0, p).allowed) << "the idle key should have been evicted";
  EXPECT_GT(store.evictions(), 90'000u);
}

TEST(LocalRateStore, OneKeyFromFourThreadsIsExact) {
  local_rate_store store(1000);
  const gcra_policy p = policy(1 * ms, 50);
  constexpr int threads = 4;
  constexpr int attempts = 2'000;
  std::atomic<int> total{0};
  const auto hammer = [&](std::int64_t now) {
    std::vector<std::thread> pool;
    std::atomic<int> ready{0};
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        ready.fetch_add(1);
        while (ready.load() < threads) std::this_thread::yield();
        int mine = 0;
        for (int i = 0; i < attempts; ++i) mine += store.decide("shared", now, p).allowed ? 1 : 0;
        total.fetch_add(mine);
      });
    }
    for (std::thread& thread : pool) thread.join();
  };
  const std::int64_t start = 1000 * s;
  hammer(start);
  EXPECT_EQ(total.load(), 50) << "a full burst, once, across all threads";
  hammer(start + 20 * ms);
  EXPECT_EQ(total.load(), 50 + 20) << "plus one per elapsed interval";
  hammer(start + 20 * ms + 999'999);
  EXPECT_EQ(total.load(), 70) << "less than one more interval: nothing";
  hammer(start + 10 * s);
  EXPECT_EQ(total.load(), 70 + 50) << "long idle: back to a full burst, not more";
}

TEST(LocalRateStore, ManyKeysFromFourThreads) {
  local_rate_store store(100'000);
  const gcra_policy p = policy(hour, 2);
  constexpr int threads = 4;
  constexpr int keys_per_thread = 5'000;
  std::atomic<int> total{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      int mine = 0;
      for (int round = 0; round < 3; ++round) {
        for (int k = 0; k < keys_per_thread; ++k) {
          // Every thread uses every key: the store must serialise per key, not per thread.
          const std::string key = "k" + std::to_string((k + t * 977) % keys_per_thread);
          mine += store.decide(key, 0, p).allowed ? 1 : 0;
        }
      }
      total.fetch_add(mine);
    });
  }
  for (std::thread& thread : pool) thread.join();
  EXPECT_EQ(total.load(), 2 * keys_per_thread);
  EXPECT_EQ(store.size(), static_cast<std::size_t>(keys_per_thread));
  EXPECT_EQ(store.evictions(), 0u);
}

}  // namespace
}  // namespace ferry
