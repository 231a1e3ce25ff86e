#include "files/directory_listing.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {
namespace {

listing_entry file(std::string name, std::uint64_t size = 0, std::time_t modified = 0) {
  return {std::move(name), false, size, modified};
}
listing_entry dir(std::string name, std::time_t modified = 0) { return {std::move(name), true, 0, modified}; }

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string_view::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// Strict UTF-8 check, independent of the implementation's decoder.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1Fu; }
    else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0Fu; }
    else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07u; }
    else return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    const unsigned min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// A small strict JSON validator (RFC 8259) for the listing's output.
class json_checker {
 public:
  explicit json_checker(std::string_view s) : s_(s) {}
  bool valid() {
    ws();
    if (!value()) return false;
    ws();
    return pos_ == s_.size() && valid_utf8(s_);
  }

 private:
  bool value() {
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '[') return array();
    if (c == '{') return object();
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        return true;
      }
    }
    return false;
  }
  bool array() {
    ++pos_;
    ws();
    if (eat(']')) return true;
    do {
      ws();
      if (!value()) return false;
      ws();
    } while (eat(','));
    return eat(']');
  }
  bool object() {
    ++pos_;
    ws();
    if (eat('}')) return true;
    do {
      ws();
      if (!string()) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      if (!value()) return false;
      ws();
    } while (eat(','));
    return eat('}');
  }
  bool string() {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (pos_ >= s_.size()) return false;
        const char e = s_[pos_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_++]))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = pos_;
    eat('-');
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == start || (s_[start] == '0' && pos_ - start > 1)) return false;
    return true;
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

bool valid_json(std::string_view s) { return json_checker(s).valid(); }

TEST(ListingHtml, IsASmallHtml5Page) {
  const std::string html = render_listing_html("/docs/", {file("a.txt", 12, 784111777)});
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0U);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Index of /docs/</title>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"a.txt\">a.txt</a></td><td>12</td><td>Sun, 06 Nov 1994 08:49:37 GMT</td>"),
            std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ListingHtml, ParentLinkExceptAtRoot) {
  EXPECT_NE(render_listing_html("/a/", {}).find("href=\"../\""), std::string::npos);
  EXPECT_EQ(render_listing_html("/", {}).find("href=\"../\""), std::string::npos);
}

TEST(ListingHtml, DirectoriesFirstThenByName) {
  const std::string html =
      render_listing_html("/", {file("b"), dir("zeta"), file("A"), dir("alpha"), file("a"), file("\xc3\xa9")});
  const auto at = [&](std::string_view href) { return html.find(href); };
  EXPECT_LT(at("href=\"alpha/\""), at("href=\"zeta/\""));
  EXPECT_LT(at("href=\"zeta/\""), at("href=\"A\""));
  EXPECT_LT(at("href=\"A\""), at("href=\"a\""));
  EXPECT_LT(at("href=\"a\""), at("href=\"b\""));
  EXPECT_LT(at("href=\"b\""), at("href=\"%C3%A9\""));
}

TEST(ListingHtml, DirectoryLinksEndInSlash) {
  const std::string html = render_listing_html("/", {dir("sub dir")});
  EXPECT_NE(html.find("<a href=\"sub%20dir/\">sub dir/</a></td><td>-</td>"), std::string::npos);
}

TEST(ListingHtml, HostileNamesCannotInjectMarkupOrRedirectLinks) {
  const std::string html = render_listing_html(
      "/", {file("<script>alert(1)</script>"), file("\"><img src=x onerror=alert(1)>"), file("javascript:alert(1)"),
            file("//evil.example"), file("a?b#c"), file("it's & co"), file("%2e%2e")});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("href=\"javascript:"), std::string::npos);
  EXPECT_EQ(html.find("href=\"//"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("href=\"javascript%3Aalert%281%29\""), std::string::npos);
  EXPECT_NE(html.find("href=\"%2F%2Fevil.example\""), std::string::npos);
  EXPECT_NE(html.find("href=\"a%3Fb%23c\""), std::string::npos);
  EXPECT_NE(html.find("it&#39;s &amp; co"), std::string::npos);
  EXPECT_NE(html.find("href=\"%252e%252e\""), std::string::npos);
  // Every '<' in the page belongs to the template.
  EXPECT_EQ(count(html, "<tr>"), 8U);
}

TEST(ListingHtml, HeadingIsEscaped) {
  const std::string html = render_listing_html("/<b>&\"/", {});
  EXPECT_NE(html.find("<title>Index of /&lt;b&gt;&amp;&quot;/</title>"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
}

TEST(ListingHtml, InvalidUtf8AndControlBytesAreReplacedInText) {
  const std::string html = render_listing_html("/\xff/", {file(std::string("a\xc0\xaf\x01\x1b[31m\0z", 11))});
  EXPECT_TRUE(valid_utf8(html));
  EXPECT_NE(html.find("Index of /\xEF\xBF\xBD/"), std::string::npos);
  EXPECT_NE(html.find("href=\"a%C0%AF%01%1B%5B31m%00z\""), std::string::npos);
  EXPECT_NE(html.find(">a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD[31m\xEF\xBF\xBDz</a>"), std::string::npos);
}

TEST(ListingHtml, SkipsSelfAndParentEntries) {
  const std::string html = render_listing_html("/", {dir("."), dir(".."), file(""), file(".hidden")});
  EXPECT_EQ(count(html, "<a href="), 1U);
  EXPECT_NE(html.find("href=\".hidden\""), std::string::npos);
}

TEST(ListingJson, ExactOutputForSimpleEntries) {
  EXPECT_EQ(render_listing_json({}), "[]");
  EXPECT_EQ(render_listing_json({file("b.txt", 5, 784111777), dir("a", 0)}),
            "[{\"name\":\"a\",\"type\":\"directory\",\"size\":0,\"modified\":\"Thu, 01 Jan 1970 00:00:00 GMT\"},"
            "{\"name\":\"b.txt\",\"type\":\"file\",\"size\":5,\"modified\":\"Sun, 06 Nov 1994 08:49:37 GMT\"}]");
}

TEST(ListingJson, EscapesQuotesBackslashesAndControls) {
  const std::string json = render_listing_json({file(std::string("q\"b\\n\n\t\x01\x1f\x7f/", 11))});
  EXPECT_NE(json.find("\"name\":\"q\\\"b\\\\n\\n\\t\\u0001\\u001F\x7f/\""), std::string::npos);
  EXPECT_TRUE(valid_json(json));
}

TEST(ListingJson, InvalidUtf8BecomesReplacementCharacter) {
  // Lone continuation, overlong '/', surrogate, above U+10FFFF, truncated sequence; valid é and 😀 kept.
  const std::string name = "\x80|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xc3\xa9|\xf0\x9f\x98\x80|\xe2\x82";
  const std::string json = render_listing_json({file(name)});
  EXPECT_TRUE(valid_json(json));
  EXPECT_EQ(json.find("\\u00"), std::string::npos);
  EXPECT_NE(json.find("\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xc3\xa9|\xf0\x9f\x98\x80|"
                      "\xEF\xBF\xBD\xEF\xBF\xBD\""),
            std::string::npos);
}

TEST(ListingJson, LargeSizesAndExtremeTimes) {
  const std::string json = render_listing_json({file("big", UINT64_MAX, -5), file("far", 1, INT64_MAX)});
  EXPECT_TRUE(valid_json(json));
  EXPECT_NE(json.find("\"size\":18446744073709551615,\"modified\":\"Thu, 01 Jan 1970 00:00:00 GMT\""),
            std::string::npos);
  EXPECT_NE(json.find("\"modified\":\"Fri, 31 Dec 9999 23:59:59 GMT\""), std::string::npos);
}

TEST(ListingJson, RandomHostileNamesAlwaysGiveValidJsonAndUtf8Html) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<listing_entry> entries;
    for (int i = 0; i < 5; ++i) {
      std::string name;
      const auto len = 1 + rng() % 12;
      for (unsigned k = 0; k < len; ++k) name += static_cast<char>(rng() % 256);
      entries.push_back({name, rng() % 2 == 0, rng(), static_cast<std::time_t>(rng())});
    }
    const std::string json = render_listing_json(entries);
    ASSERT_TRUE(valid_json(json)) << json;
    const std::string html = render_listing_html("/x/", entries);
    ASSERT_TRUE(valid_utf8(html));
    // Names never add elements: the only tags are the template's.
    ASSERT_LE(count(html, "<a "), 6U);
  }
}

TEST(ListingWantsJson, DefaultsToHtml) {
  EXPECT_FALSE(listing_wants_json(""));
  EXPECT_FALSE(listing_wants_json("*/*"));
  EXPECT_FALSE(listing_wants_json("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_FALSE(listing_wants_json("application/*"));
  EXPECT_FALSE(listing_wants_json("garbage"));
}

TEST(ListingWantsJson, JsonWhenItOutweighsHtml) {
  EXPECT_TRUE(listing_wants_json("application/json"));
  EXPECT_TRUE(listing_wants_json("Application/JSON"));
  EXPECT_TRUE(listing_wants_json("application/json, */*;q=0.1"));
  EXPECT_TRUE(listing_wants_json("text/html;q=0.5, application/json"));
  EXPECT_TRUE(listing_wants_json("application/json; charset=utf-8 ; q=0.9, text/*;q=0.2, */*"));
  EXPECT_TRUE(listing_wants_json(" application/json ;q=1.000,text/html;q=0.999"));
}

TEST(ListingWantsJson, TiesAndLowerWeightsGoToHtml) {
  EXPECT_FALSE(listing_wants_json("application/json, text/html"));
  EXPECT_FALSE(listing_wants_json("application/json, */*"));
  EXPECT_FALSE(listing_wants_json("application/json;q=0.5, text/*;q=0.5"));
  EXPECT_FALSE(listing_wants_json("application/json;q=0"));
  EXPECT_FALSE(listing_wants_json("application/json;q=0.3, text/html;q=0.9"));
}

TEST(ListingWantsJson, MostSpecificRangeGivesHtmlItsWeight) {
  // text/html explicitly low beats the high */*.
  EXPECT_TRUE(listing_wants_json("*/*, text/html;q=0.1, application/json;q=0.5"));
  EXPECT_TRUE(listing_wants_json("*/*;q=1, text/*;q=0.2, application/json;q=0.5"));
  EXPECT_FALSE(listing_wants_json("*/*;q=0.1, text/*;q=0.9, application/json;q=0.5"));
}

TEST(ListingWantsJson, MalformedWeightsAreIgnored) {
  EXPECT_FALSE(listing_wants_json("application/json;q=2"));
  EXPECT_FALSE(listing_wants_json("application/json;q=1.5"));
  EXPECT_FALSE(listing_wants_json("application/json;q=abc"));
  EXPECT_FALSE(listing_wants_json("application/json;q=0.12345"));
  EXPECT_FALSE(listing_wants_json("application/json;q=-1"));
  // One unreadable weight discards the whole range.
  EXPECT_FALSE(listing_wants_json("application/json;q=\"x\";q=1, text/html;q=0.5"));
}

TEST(ListingWantsJson, QuotedCommasDoNotSplitRanges) {
  EXPECT_FALSE(listing_wants_json("text/html;foo=\"a, application/json\""));
  EXPECT_TRUE(listing_wants_json("application/json;foo=\"x,\\\"text/html\", text/plain"));
}

TEST(ListingWantsJson, LongHostileHeadersAreFine) {
  std::string accept;
  for (int i = 0; i < 20000; ++i) accept += "a/b;q=0.1;x=\"\\\",";
  EXPECT_FALSE(listing_wants_json(accept));
  EXPECT_FALSE(listing_wants_json(std::string(100000, '"')));
  EXPECT_TRUE(listing_wants_json(std::string(100000, ',') + "application/json"));
}

}  // namespace
}  // namespace ferry
