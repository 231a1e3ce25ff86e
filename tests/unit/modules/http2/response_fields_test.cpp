#include "modules/http2/response_fields.hpp"

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

TEST(ResponseFields, NamesAreLowerCasedTokens) {
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

TEST(ResponseFields, ValuesHttp2MayCarry) {
  using namespace std::string_view_literals;
  for (const std::string_view good : {""sv, "text/html"sv, "a\tb"sv, "a b"sv, "caf\xc3\xa9"sv, "\"etag\""sv}) {
    EXPECT_TRUE(valid_field_value(good)) << good;
  }
  for (const std::string_view bad : {" a"sv, "a "sv, "\ta"sv, "a\t"sv, "a\r\nb"sv, "a\nb"sv, "a\rb"sv, "a\0b"sv,
                                     "a\x7f"sv, "a\x01"sv, "\x1f"sv}) {
    EXPECT_FALSE(valid_field_value(bad)) << testing::PrintToString(bad);
  }
}

// The check reads eight bytes at a time: every byte position of a long value, in a word and
// in the tail, with every byte value.
TEST(ResponseFields, EveryBytePositionOfALongValueIsChecked) {
  for (std::size_t length : {9u, 16u, 23u, 40u}) {
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

std::string text(const std::uint8_t* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }

TEST(ResponseFields, BuildsStatusFieldsAndContentLength) {
  const std::array<std::pair<std::string_view, std::string_view>, 6> fields{{{"Date", "Tue, 01 Dec 2026 00:00:00 GMT"},
                                                                             {"Connection", "close"},
                                                                             {"X-Request-Id", "abc"},
                                                                             {"Content-Length", "99"},
                                                                             {"X-Bad", " padded"},
                                                                             {"ETag", "\"1\""}}};
  const std::array<std::string_view, 1> unique{"x-REQUEST-id"};
  response_fields builder;
  // Twice: the second build reuses the first one's room.
  for (int round = 0; round < 2; ++round) {
    const auto nv = builder.build({404, fields, std::uint64_t{12345}, unique});
    ASSERT_EQ(nv.size(), 5u);
    const std::array<std::pair<std::string, std::string>, 5> expected{{{":status", "404"},
                                                                        {"date", "Tue, 01 Dec 2026 00:00:00 GMT"},
                                                                        {"x-request-id", "abc"},
                                                                        {"etag", "\"1\""},
                                                                        {"content-length", "12345"}}};
    for (std::size_t i = 0; i < nv.size(); ++i) {
      EXPECT_EQ(text(nv[i].name, nv[i].namelen), expected[i].first);
      EXPECT_EQ(text(nv[i].value, nv[i].valuelen), expected[i].second);
      EXPECT_EQ(nv[i].flags, i == 2 ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE) << i;
    }
  }
  // A status outside 200..999 becomes 500; without content_length none is sent.
  const auto nv = builder.build({99, {}, std::nullopt, {}});
  ASSERT_EQ(nv.size(), 1u);
  EXPECT_EQ(text(nv[0].value, nv[0].valuelen), "500");
}

TEST(ResponseFields, LongNamesGrowTheRoom) {
  const std::string long_name(5000, 'x');
  const std::array<std::pair<std::string_view, std::string_view>, 2> fields{{{long_name, "1"}, {long_name, "2"}}};
  response_fields builder;
  builder.build({200, {}, std::nullopt, {}});
  const auto nv = builder.build({200, fields, std::uint64_t{1}, {}});
  ASSERT_EQ(nv.size(), 4u);
  EXPECT_EQ(text(nv[1].name, nv[1].namelen), long_name);
  EXPECT_EQ(text(nv[2].name, nv[2].namelen), long_name);
  EXPECT_EQ(text(nv[3].value, nv[3].valuelen), "1");
}

}  // namespace
}  // namespace ferry
