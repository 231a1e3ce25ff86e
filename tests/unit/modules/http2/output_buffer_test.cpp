#include "modules/output_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace ferry {
namespace {

TEST(OutputBuffer, AppendExtendAndTruncateKeepTheBytesInOrderThroughGrowth) {
  output_buffer b;
  EXPECT_TRUE(b.empty());
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    const std::string piece = std::to_string(i) + ",";
    b.append(piece);
    expected += piece;
    // Room for a frame that turns out shorter: the unused part goes again.
    char* room = b.extend(1000);
    std::memcpy(room, "abc", 3);
    b.truncate(b.size() - 997);
    expected += "abc";
  }
  EXPECT_EQ(b.view(), expected);
  b.truncate(b.size() + 10);  // never grows
  EXPECT_EQ(b.size(), expected.size());
  b.clear();
  EXPECT_TRUE(b.empty());
  b.append("again");
  EXPECT_EQ(b.view(), "again");
}

}  // namespace
}  // namespace ferry
