// The character tables against the grammars they stand for, byte by byte.
#include "http/char_classes.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace ferry {
namespace {

bool alnum(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

TEST(CharClasses, EveryByteAsTheGrammarsSay) {
  constexpr std::string_view tchar_extra = "!#$%&'*+-.^_`|~";         // RFC 9110 §5.6.2
  constexpr std::string_view reg_name_extra = "-._~!$&'()*+,;=";      // RFC 3986 unreserved, sub-delims
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool in_tchar = c != 0 && c < 128 && (alnum(c) || tchar_extra.find(ch) != std::string_view::npos);
    const bool in_reg_name = c != 0 && c < 128 && (alnum(c) || reg_name_extra.find(ch) != std::string_view::npos);
    EXPECT_EQ(char_class::is_tchar(ch), in_tchar) << c;
    EXPECT_EQ(char_class::is_reg_name_char(ch), in_reg_name) << c;
  }
}

TEST(CharClasses, Tokens) {
  EXPECT_TRUE(char_class::is_token("x-request-id"));
  EXPECT_TRUE(char_class::is_token("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(char_class::is_token(""));
  EXPECT_FALSE(char_class::is_token("a b"));
  EXPECT_FALSE(char_class::is_token("a:b"));
  EXPECT_FALSE(char_class::is_token(std::string_view("a\0b", 3)));
  EXPECT_FALSE(char_class::is_token("caf\xc3\xa9"));
}

TEST(CharClasses, TrimOwsTakesSpacesAndTabsOnly) {
  EXPECT_EQ(char_class::trim_ows(" \t a b \t "), "a b");
  EXPECT_EQ(char_class::trim_ows("\r\na\n"), "\r\na\n");
  EXPECT_EQ(char_class::trim_ows(" \t "), "");
  const std::string_view text = "  v";
  EXPECT_EQ(char_class::trim_ows(text).data(), text.data() + 2);
}

}  // namespace
}  // namespace ferry
