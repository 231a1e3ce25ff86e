// The strict JSON parser used for JOSE headers, claims and JWKS files.
#include <gtest/gtest.h>

#include <string>

#include "modules/auth/jwt_json.hpp"

namespace ferry {
namespace {

bool parses(std::string_view text, json_value* out = nullptr, json_limits limits = {}) {
  json_value value;
  const bool ok = json_parse(text, limits, value);
  if (out != nullptr) *out = value;
  return ok;
}

TEST(JwtJson, ParsesEveryKind) {
  json_value value;
  ASSERT_TRUE(parses(R"( {"s":"x\"\\\/\b\f\n\r\t","n":-12.5e1,"t":true,"f":false,"z":null,
                         "a":[1,[2],{}],"o":{"k":"v"}} )",
                     &value));
  ASSERT_TRUE(value.is_object());
  EXPECT_EQ(value.members.size(), 7u);
  EXPECT_EQ(value.find("s")->text, "x\"\\/\b\f\n\r\t");
  EXPECT_DOUBLE_EQ(value.find("n")->number, -125.0);
  EXPECT_TRUE(value.find("t")->boolean);
  EXPECT_EQ(value.find("f")->type, json_value::kind::boolean);
  EXPECT_FALSE(value.find("f")->boolean);
  EXPECT_EQ(value.find("z")->type, json_value::kind::null);
  EXPECT_EQ(value.find("a")->items.size(), 3u);
  EXPECT_EQ(value.find("o")->find("k")->text, "v");
  EXPECT_EQ(value.find("missing"), nullptr);
}

TEST(JwtJson, DecodesUnicode) {
  json_value value;
  ASSERT_TRUE(parses(R"("\u00e9\ud83d\ude00\u0041")", &value));
  EXPECT_EQ(value.text, "\xc3\xa9\xf0\x9f\x98\x80" "A");
  ASSERT_TRUE(parses("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", &value));
  EXPECT_EQ(value.text, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(JwtJson, RefusesDuplicateNames) {
  EXPECT_FALSE(parses(R"({"a":1,"a":2})"));
  EXPECT_FALSE(parses(R"({"a":1,"b":2,"c":3,"b":4})"));
  EXPECT_FALSE(parses(R"({"o":{"x":1,"x":1}})"));
  // An escaped spelling of the same name is the same name.
  EXPECT_FALSE(parses(R"({"alg":1,"\u0061lg":2})"));
  EXPECT_TRUE(parses(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));
}

TEST(JwtJson, RefusesInvalidUtf8AndSurrogates) {
  for (const char* bad : {"\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
                          "\"\xf4\x90\x80\x80\"", "\"\xff\"", "\"\x80\"", "\"\xc3\"",
                          "\"\xf0\x9f\x98\"", R"("\ud800")", R"("\udc00")",
                          R"("\ud800\u0041")", R"("\ud800x")"}) {
    EXPECT_FALSE(parses(bad)) << bad;
  }
}

TEST(JwtJson, RefusesNonStrictSyntax) {
  for (const char* bad :
       {"", " ", "{", "}", "{\"a\":1,}", "[1,]", "{'a':1}", "{a:1}", "01", "1.", ".5", "+1",
        "-", "1e", "1e+", "NaN", "Infinity", "tru", "nul", "\"a", "\"\t\"", "\"\\x\"",
        "\"\\u12\"", "{\"a\" 1}", "{\"a\":1}{}", "{} x", "\xef\xbb\xbf{}", "1e400", "-1e400",
        "// c\n{}", "{\"a\":1 \"b\":2}", "[1 2]", "\"\\u00zz\""}) {
    EXPECT_FALSE(parses(bad)) << bad;
  }
  EXPECT_TRUE(parses("0"));
  EXPECT_TRUE(parses("-0.0e-0"));
  EXPECT_TRUE(parses(" \t\r\n[] \n"));
}

TEST(JwtJson, BoundsDepthAndSize) {
  json_limits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(parses("[[[]]]", nullptr, limits));
  EXPECT_FALSE(parses("[[[[]]]]", nullptr, limits));
  EXPECT_FALSE(parses(R"({"a":{"b":{"c":{}}}})", nullptr, limits));
  // A very deep document is refused without recursing into it.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  limits.max_bytes = deep.size();
  EXPECT_FALSE(parses(deep, nullptr, limits));
  limits.max_bytes = 4;
  EXPECT_TRUE(parses("[12]", nullptr, limits));
  EXPECT_FALSE(parses("[123]", nullptr, limits));
}

TEST(JwtJson, ManyMembersStayFast) {
  // Duplicate detection sorts the names: 50k members must not take quadratic time.
  std::string text = "{";
  for (int i = 0; i < 50000; ++i) {
    if (i != 0) text += ",";
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  text += "}";
  json_limits limits;
  limits.max_bytes = text.size();
  json_value value;
  ASSERT_TRUE(parses(text, &value, limits));
  EXPECT_EQ(value.members.size(), 50000u);
  text.insert(text.size() - 1, ",\"k49999\":0");
  limits.max_bytes = text.size();
  EXPECT_FALSE(parses(text, nullptr, limits));
}

}  // namespace
}  // namespace ferry
