#include "modules/http2/hpack_dynamic_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

std::string entry_text(const hpack_dynamic_table& t, std::size_t i) {
  return std::string(t[i].name()) + "=" + std::string(t[i].value());
}

// RFC 7541 §4.1 sizes: name + value + 32. A 40-byte entry ("n0", "vxxxxx", 32) fits 5 times
// in 200 bytes; 100 inserts turn the ring many times.
TEST(HpackDynamicTable, NewestFirstAndOldestEvictedThroughManyTurnsOfTheRing) {
  hpack_dynamic_table t(200);
  for (int i = 0; i < 100; ++i) {
    t.insert("n" + std::to_string(i % 10), "vxxxxx");
    const std::size_t expected = i < 5 ? static_cast<std::size_t>(i) + 1 : 5;
    ASSERT_EQ(t.count(), expected);
    EXPECT_EQ(t.size(), 40 * expected);
    for (std::size_t k = 0; k < t.count(); ++k) {
      EXPECT_EQ(t[k].name(), "n" + std::to_string((i - static_cast<int>(k)) % 10)) << "insert " << i << ", entry " << k;
    }
  }
}

TEST(HpackDynamicTable, GrowingKeepsTheOrder) {
  hpack_dynamic_table t(4096);
  // Some entries leave before the ring grows, so it wraps first.
  t.insert("a", std::string(3000, 'a'));
  for (int i = 0; i < 40; ++i) t.insert("k" + std::to_string(i), "v");
  ASSERT_EQ(t.count(), 40u);
  for (std::size_t k = 0; k < 40; ++k) EXPECT_EQ(entry_text(t, k), "k" + std::to_string(39 - k) + "=v");
}

TEST(HpackDynamicTable, CapacityChangesEvictAndOversizedEntriesEmptyTheTable) {
  hpack_dynamic_table t(4096);
  t.insert("date", "Fri, 27 Nov 2026 09:00:00 GMT");
  t.insert("server", "ferry");
  t.set_capacity(50);
  ASSERT_EQ(t.count(), 1u);
  EXPECT_EQ(entry_text(t, 0), "server=ferry");
  t.set_capacity(4096);
  t.insert("big", std::string(5000, 'b'));
  EXPECT_EQ(t.count(), 0u);
  EXPECT_EQ(t.size(), 0u);
  t.insert("after", "ok");
  ASSERT_EQ(t.count(), 1u);
  EXPECT_EQ(entry_text(t, 0), "after=ok");
}

TEST(HpackDynamicTable, ReleaseEmptiesTheTableAndGivesItsMemoryBack) {
  hpack_dynamic_table t(4096);
  for (int i = 0; i < 6; ++i) t.insert("name-" + std::to_string(i), "a value longer than a short string");
  ASSERT_GT(t.memory(), 6 * 34u);
  t.release();
  EXPECT_EQ(t.count(), 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.memory(), 0u);
  EXPECT_EQ(t.capacity(), 4096u);
  t.insert("after", "ok");
  ASSERT_EQ(t.count(), 1u);
  EXPECT_EQ(entry_text(t, 0), "after=ok");
}

// A slot reused after a long entry left holds the new entry exactly (no bytes of the old one).
TEST(HpackDynamicTable, ReusedSlotsHoldOnlyTheirEntry) {
  hpack_dynamic_table t(100);
  t.insert("long-name", std::string(50, 'x'));
  t.insert("s", "1");
  t.insert("t", "2");
  ASSERT_EQ(t.count(), 2u);
  EXPECT_EQ(entry_text(t, 0), "t=2");
  EXPECT_EQ(entry_text(t, 1), "s=1");
}

}  // namespace
}  // namespace ferry
