// RFC 9113 §8.1-§8.3 as request_head_check applies them, field by field.
#include "modules/http2/request_head_check.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>
#include <vector>

namespace ferry {
namespace {

using field_list = std::vector<std::pair<std::string_view, std::string_view>>;

// Whether the fields, in order, make a well-formed request head.
bool well_formed(const field_list& fields) {
  request_head_check check;
  for (const auto& [name, value] : fields) {
    if (!check.field(name, value)) return false;
  }
  return check.complete();
}

const field_list get{{":method", "GET"}, {":scheme", "https"}, {":path", "/a?b=c"}, {":authority", "example.com:8443"}};

field_list with(field_list fields, std::pair<std::string_view, std::string_view> extra) {
  fields.push_back(extra);
  return fields;
}

TEST(RequestHeadCheck, OrdinaryRequestsAreWellFormed) {
  EXPECT_TRUE(well_formed(get));
  EXPECT_TRUE(well_formed(with(get, {"accept", "*/*"})));
  EXPECT_TRUE(well_formed(with(get, {"te", "Trailers"})));
  EXPECT_TRUE(well_formed(with(get, {"x-empty", ""})));
  EXPECT_TRUE(well_formed({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}}));  // authority optional
  EXPECT_TRUE(well_formed({{":method", "OPTIONS"}, {":scheme", "http"}, {":path", "*"}}));
  EXPECT_TRUE(well_formed({{":method", "CONNECT"}, {":authority", "example.com:443"}}));
  EXPECT_TRUE(well_formed({{":authority", "[::1]:80"}, {":path", "/"}, {":scheme", "h2+x"}, {":method", "PATCH"}}));
}

TEST(RequestHeadCheck, PseudoHeaders) {
  EXPECT_FALSE(well_formed({{":scheme", "https"}, {":path", "/"}}));       // no :method
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":path", "/"}}));         // no :scheme
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}}));   // no :path
  EXPECT_FALSE(well_formed(with(get, {":path", "/again"})));               // twice
  EXPECT_FALSE(well_formed(with(get, {":status", "200"})));                // a response's
  EXPECT_FALSE(well_formed(with(get, {":protocol", "websocket"})));        // extended CONNECT is not offered
  EXPECT_FALSE(well_formed(with(get, {":foo", "x"})));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {"accept", "*/*"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", ""}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", "a"}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", "*"}}));  // only OPTIONS
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", "/a b"}}));
  EXPECT_FALSE(well_formed({{":method", "G ET"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(well_formed({{":method", ""}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "1http"}, {":path", "/"}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "a b"}}));
  EXPECT_FALSE(well_formed({{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "a/b"}}));
  EXPECT_FALSE(well_formed({{":method", "CONNECT"}, {":authority", "h:1"}, {":path", "/"}}));
  EXPECT_FALSE(well_formed({{":method", "CONNECT"}}));
}

TEST(RequestHeadCheck, RegularFields) {
  for (const auto& bad : field_list{{"Accept", "*/*"},
                                    {"x a", "1"},
                                    {"", "1"},
                                    {"x\x7f", "1"},
                                    {"connection", "keep-alive"},
                                    {"keep-alive", "5"},
                                    {"proxy-connection", "x"},
                                    {"transfer-encoding", "chunked"},
                                    {"upgrade", "h2c"},
                                    {"te", "gzip"},
                                    {"te", "trailers, deflate"},
                                    {"x-v", "a\r\nb"},
                                    {"x-v", std::string_view("a\0b", 3)},
                                    {"x-v", " lead"},
                                    {"x-v", "trail\t"},
                                    {"content-length", ""},
                                    {"content-length", "1x"},
                                    {"content-length", "-1"}}) {
    EXPECT_FALSE(well_formed(with(get, bad))) << bad.first << ": " << bad.second;
  }
}

TEST(RequestHeadCheck, ContentLength) {
  request_head_check check;
  for (const auto& [name, value] : with(get, {"content-length", "12"})) ASSERT_TRUE(check.field(name, value));
  EXPECT_EQ(check.content_length(), 12u);
  EXPECT_FALSE(check.field("content-length", "12"));  // a second one
  request_head_check huge;
  EXPECT_TRUE(huge.field("content-length", "99999999999999999999999"));
  EXPECT_EQ(huge.content_length(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(request_head_check().content_length().has_value());
}

// A field judged before (an HPACK index the session marked) skips its own checks, not those that
// depend on the rest of the head.
TEST(RequestHeadCheck, FieldsCheckedBeforeStillObeyTheHeadsRules) {
  const auto all_checked_before = [](const field_list& fields) {
    request_head_check check;
    for (const auto& [name, value] : fields) {
      if (!check.field(name, value, true)) return false;
    }
    return check.complete();
  };
  EXPECT_TRUE(all_checked_before(get));
  EXPECT_FALSE(all_checked_before(with(get, {":path", "/again"})));
  EXPECT_FALSE(all_checked_before({{":method", "GET"}, {"accept", "*/*"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(all_checked_before({{":method", "GET"}, {":scheme", "https"}, {":path", "*"}}));
  EXPECT_FALSE(all_checked_before({{":method", "GET"}, {":scheme", "https"}, {":path", "x"}}));
  EXPECT_FALSE(all_checked_before(with(get, {":status", "200"})));
  EXPECT_FALSE(all_checked_before(with(with(get, {"content-length", "1"}), {"content-length", "1"})));
  request_head_check length;
  EXPECT_TRUE(length.field("content-length", "7", true));
  EXPECT_EQ(length.content_length(), 7u);
}

TEST(RequestHeadCheck, Trailers) {
  EXPECT_TRUE(request_head_check::trailer_field("x-checksum", "abc"));
  EXPECT_FALSE(request_head_check::trailer_field(":method", "GET"));
  EXPECT_FALSE(request_head_check::trailer_field("X-Upper", "1"));
  EXPECT_FALSE(request_head_check::trailer_field("x-v", "a\nb"));
  EXPECT_FALSE(request_head_check::trailer_field("transfer-encoding", "chunked"));
}

}  // namespace
}  // namespace ferry
