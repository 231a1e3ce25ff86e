// The control-byte rule of field values, read sixteen or eight bytes at a time: every byte
// position of values of many lengths (in a block and in the overlapping tail), every byte value.
#include "http/field_bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

TEST(FieldBytes, EveryBytePositionOfEveryLengthIsChecked) {
  for (std::size_t length : {1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 23u, 31u, 32u, 33u, 40u, 55u, 64u}) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string value(length, 'v');
        value[at] = static_cast<char>(byte);
        const bool allowed = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
        ASSERT_EQ(free_of_controls(value), allowed) << "length " << length << " at " << at << " byte " << byte;
      }
    }
  }
  EXPECT_TRUE(free_of_controls(""));
}

}  // namespace
}  // namespace ferry
