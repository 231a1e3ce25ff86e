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
