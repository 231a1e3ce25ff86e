// The session allocator nghttp2 uses: it counts the bytes a session holds (requested sizes),
// keeps contents across reallocations within and between size classes and for large blocks,
// zeroes what calloc hands out even when the block is a reused one, and reuses freed blocks.
#include "modules/http2/session_memory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

namespace ferry {
namespace {

class session_memory_test : public ::testing::Test {
 protected:
  session_memory memory;
  nghttp2_mem* mem = memory.allocator();

  void* allocate(std::size_t size) { return mem->malloc(size, mem->mem_user_data); }
  void release(void* p) { mem->free(p, mem->mem_user_data); }
  void* reallocate(void* p, std::size_t size) { return mem->realloc(p, size, mem->mem_user_data); }
  void* allocate_zeroed(std::size_t n, std::size_t size) { return mem->calloc(n, size, mem->mem_user_data); }
};

void fill(void* p, std::size_t size, std::uint8_t seed) {
  auto* bytes = static_cast<std::uint8_t*>(p);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i);
}

bool holds(const void* p, std::size_t size, std::uint8_t seed) {
  const auto* bytes = static_cast<const std::uint8_t*>(p);
  for (std::size_t i = 0; i < size; ++i) {
    if (bytes[i] != static_cast<std::uint8_t>(seed + i)) return false;
  }
  return true;
}

TEST_F(session_memory_test, CountsRequestedBytes) {
  void* a = allocate(10);
  void* b = allocate(1000);
  void* c = allocate(5000);
  EXPECT_EQ(memory.in_use(), 6010u);
  b = reallocate(b, 1010);  // another size class
  c = reallocate(c, 9000);  // large
  a = reallocate(a, 20);    // the same class
  EXPECT_EQ(memory.in_use(), 10030u);
  release(a);
  release(b);
  release(c);
  release(nullptr);
  EXPECT_EQ(memory.in_use(), 0u);
}

TEST_F(session_memory_test, ReallocationKeepsTheContents) {
  for (const auto& [from, to] : {std::pair<std::size_t, std::size_t>{20, 30}, {20, 600}, {600, 40}, {900, 3000},
                                 {3000, 9000}, {9000, 100}, {0, 64}}) {
    void* p = allocate(from);
    ASSERT_NE(p, nullptr);
    fill(p, from, 7);
    p = reallocate(p, to);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(holds(p, std::min(from, to), 7)) << from << " -> " << to;
    fill(p, to, 9);  // the whole new size is usable (ASan checks the bounds)
    release(p);
  }
  EXPECT_EQ(memory.in_use(), 0u);
}

TEST_F(session_memory_test, FreedBlocksAreReusedAndCallocZeroesThem) {
  void* first = allocate(200);
  fill(first, 200, 1);
  release(first);
  void* again = allocate_zeroed(10, 20);  // 200 bytes: the same size class
  EXPECT_EQ(again, first);
  const auto* bytes = static_cast<const std::uint8_t*>(again);
  for (std::size_t i = 0; i < 200; ++i) ASSERT_EQ(bytes[i], 0u) << i;
  release(again);
  EXPECT_EQ(memory.in_use(), 0u);
}

TEST_F(session_memory_test, ImpossibleSizesFail) {
  const auto huge = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(allocate(huge), nullptr);
  EXPECT_EQ(allocate_zeroed(huge / 2, 3), nullptr);
  void* p = allocate(8);
  EXPECT_EQ(reallocate(p, huge), nullptr);
  release(p);  // still ours after a failed reallocation
  EXPECT_EQ(memory.in_use(), 0u);
}

}  // namespace
}  // namespace ferry
