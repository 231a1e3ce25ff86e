#include "modules/http2/field_rules.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <utility>

namespace ferry {
namespace {

std::string lowered(std::string_view name, bool* ok) {
  std::string out(name.size(), '?');
  *ok = lower_field_name(name, out.data());
  return out;
}

TEST(FieldRules, NamesAreLowerCasedTokens) {
  bool ok = false;
  EXPECT_EQ(lowered("Content-Type", &ok), "content-type");
  EXPECT_TRUE(ok);
  EXPECT_EQ(lowered("X-A.B_C~1!#$%&'*+^`|", &ok), "x-a.b_c~1!#$%&'*+^`|");
  EXPECT_TRUE(ok);
  for (const std::string_view bad : {"", "Bad Name", ":status", "a:b", "x\r\ny", "n\x80", "a\"b", "a/b", "a\tb"}) {
    lowered(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(FieldRules, ValuesHttp2MayCarry) {
  using namespace std::string_view_literals;
  for (const std::string_view good : {""sv, "text/html"sv, "a\tb"sv, "a b"sv, "caf\xc3\xa9"sv, "\"etag\""sv}) {
    EXPECT_TRUE(valid_field_value(good)) << good;
  }
  for (const std::string_view bad : {" a"sv, "a "sv, "\ta"sv, "a\t"sv, "a\r\nb"sv, "a\nb"sv, "a\rb"sv, "a\0b"sv,
                                     "a\x7f"sv, "a\x01"sv, "\x1f"sv}) {
    EXPECT_FALSE(valid_field_value(bad)) << testing::PrintToString(bad);
  }
}

// The check reads sixteen or eight bytes at a time: every byte position of a long value, in a
// block and in the tail, with every byte value.
TEST(FieldRules, EveryBytePositionOfALongValueIsChecked) {
  for (std::size_t length : {3u, 7u, 8u, 9u, 15u, 16u, 17u, 23u, 32u, 40u, 55u}) {
    for (std::size_t at = 1; at + 1 < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string value(length, 'v');
        value[at] = static_cast<char>(byte);
        const bool allowed = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
        ASSERT_EQ(valid_field_value(value), allowed) << "length " << length << " at " << at << " byte " << byte;
      }
    }
  }
}

TEST(FieldRules, ConnectionSpecificFields) {
  for (const std::string_view name : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    EXPECT_TRUE(connection_specific_field(name)) << name;
  }
  for (const std::string_view name : {"te", "content-length", "connections", "host"}) {
    EXPECT_FALSE(connection_specific_field(name)) << name;
  }
}

TEST(FieldRules, SameNameInAnyCase) {
  EXPECT_TRUE(same_field_name("X-Request-ID", "x-request-id"));
  EXPECT_FALSE(same_field_name("X-Request-IDs", "x-request-id"));
  EXPECT_FALSE(same_field_name("x-request_id", "x-request-id"));
  EXPECT_TRUE(lower_case_token("x-a.b"));
  EXPECT_FALSE(lower_case_token("X-a"));
  EXPECT_FALSE(lower_case_token(""));
  EXPECT_FALSE(lower_case_token("a b"));
}

}  // namespace
}  // namespace ferry
