#include "modules/stream_positions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace ferry {
namespace {

// Against a plain vector kept the same way: every id is found where it is, and an absent one is
// not, also right after the position remembered has been taken by another id or has gone, and
// for ids that share a slot of the memory (1, 129 and 257).
TEST(stream_positions, FindsWhatAScanFinds) {
  stream_positions positions;
  std::vector<std::int32_t> plain;
  const auto check = [&] {
    for (std::int32_t id = 1; id < 300; id += 2) {
      const auto it = std::find(plain.begin(), plain.end(), id);
      const std::size_t expected = it == plain.end() ? stream_positions::none : static_cast<std::size_t>(it - plain.begin());
      ASSERT_EQ(positions.find(id), expected) << id;
      ASSERT_EQ(positions.find(id), expected) << id;  // the second time from the memory
    }
  };
  for (std::int32_t id = 1; id < 64; id += 2) {
    positions.push_back(id);
    plain.push_back(id);
  }
  check();
  for (const std::int32_t id : {129, 257, 131}) {
    positions.push_back(id);
    plain.push_back(id);
    check();
  }
  for (const std::int32_t gone : {31, 131, 63, 1, 257, 33, 7}) {
    const std::size_t at = positions.find(gone);
    ASSERT_NE(at, stream_positions::none);
    positions.remove_at(at);
    plain[at] = plain.back();
    plain.pop_back();
    EXPECT_EQ(positions.find(gone), stream_positions::none);
    check();
  }
  EXPECT_EQ(positions.size(), plain.size());
  positions.clear();
  EXPECT_TRUE(positions.empty());
  EXPECT_EQ(positions.find(3), stream_positions::none);
}

// More streams than a remembered position can name (up to 1,000 may be open): each is found.
TEST(stream_positions, FindsPositionsPastWhatTheMemoryHolds) {
  stream_positions positions;
  for (std::int32_t id = 1; id < 1200; id += 2) positions.push_back(id);
  for (int pass = 0; pass < 2; ++pass) {
    for (std::int32_t id = 1; id < 1200; id += 2) ASSERT_EQ(positions.find(id), static_cast<std::size_t>(id / 2)) << id;
  }
  EXPECT_EQ(positions.find(2), stream_positions::none);
  EXPECT_EQ(positions.find(1201), stream_positions::none);
}

}  // namespace
}  // namespace ferry
