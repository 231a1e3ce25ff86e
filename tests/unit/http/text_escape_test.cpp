#include "http/text_escape.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

std::string percent(std::string_view text, std::string_view keep = {}) {
  std::string out;
  append_percent_encoded(out, text, keep);
  return out;
}

std::string json(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

TEST(PercentEncoding, KeepsUnreservedAndListedCharacters) {
  EXPECT_EQ(percent("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percent("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
  EXPECT_EQ(percent("/a b/", "/"), "/a%20b/");
  EXPECT_EQ(percent("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(percent("%", "%"), "%25") << "'%' is always encoded, so the result decodes to the input";
}

TEST(JsonEscaping, EscapesWhatJsonRequiresAndKeepsValidUtf8) {
  EXPECT_EQ(json("plain"), "plain");
  EXPECT_EQ(json("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(json("\n\r\t\x01\x7f"), "\\n\\r\\t\\u0001\x7f");
  EXPECT_EQ(json("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(json("\xFF\xC0\xAF"), std::string(utf8_replacement) + std::string(utf8_replacement) +
                                      std::string(utf8_replacement));
  EXPECT_EQ(json("\xED\xA0\x80"), std::string(utf8_replacement) + std::string(utf8_replacement) +
                                      std::string(utf8_replacement))
      << "surrogates are not UTF-8";
}

TEST(Utf8, SequenceLengths) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC3", 0), 0u) << "truncated";
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\xAF", 0), 0u) << "overlong";
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u) << "above U+10FFFF";
}

}  // namespace
}  // namespace ferry
