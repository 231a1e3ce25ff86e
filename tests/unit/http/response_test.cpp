#include "http/response.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry {
namespace {

std::vector<std::string> listed(const response& r) {
  std::vector<std::string> out;
  for (const auto& f : r.fields()) out.push_back(std::string(f.name) + ": " + std::string(f.value));
  return out;
}

TEST(ResponseFields, KeepTheOrderTheyWereAddedIn) {
  response r;
  r.add("Content-Type", "text/plain");
  r.add("ETag", "\"1-2\"");
  r.add("X-Empty", "");
  EXPECT_EQ(listed(r), (std::vector<std::string>{"Content-Type: text/plain", "ETag: \"1-2\"", "X-Empty: "}));
  EXPECT_EQ(r.get("etag"), "\"1-2\"");
  EXPECT_EQ(r.get("missing"), "");
}

TEST(ResponseFields, SetReplacesEveryFieldOfTheNameInAnyCase) {
  response r;
  r.add("Vary", "Origin");
  r.add("Server", "ferry");
  r.add("vary", "Accept");
  r.set("VARY", "Accept-Encoding");
  EXPECT_EQ(listed(r), (std::vector<std::string>{"Server: ferry", "VARY: Accept-Encoding"}));
  r.remove("server");
  EXPECT_EQ(listed(r), (std::vector<std::string>{"VARY: Accept-Encoding"}));
}

// Far more text than the first buffer holds: the fields added before the growth still read
// right afterwards, and so does a value taken from the response itself while it grows.
TEST(ResponseFields, SurviveTheirTextGrowing) {
  response r;
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    const std::string name = "X-Field-" + std::to_string(i);
    const std::string value(static_cast<std::size_t>(i) * 7, static_cast<char>('a' + i % 26));
    r.add(name, value);
    expected.push_back(name + ": " + value);
  }
  EXPECT_EQ(listed(r), expected);
  for (int i = 0; i < 20; ++i) {
    r.add("X-Copy", r.get("X-Field-99"));  // a view of the text being appended to
    expected.push_back("X-Copy: " + std::string(99 * 7, static_cast<char>('a' + 99 % 26)));
  }
  EXPECT_EQ(listed(r), expected);
}

TEST(ResponseFields, ClearForgetsThemAndTheBufferServesTheNextResponse) {
  response r;
  r.add("A", std::string(1000, 'x'));
  r.clear();
  EXPECT_TRUE(r.fields().empty());
  EXPECT_EQ(r.get("A"), "");
  r.add("B", "1");
  EXPECT_EQ(listed(r), (std::vector<std::string>{"B: 1"}));
}

// The text the fields are kept in is their HTTP/1.1 lines, in order, through growth; once a field
// is removed its line is still in there, so the response no longer offers the lines whole.
TEST(ResponseFields, OfferTheirLinesWholeUntilOneIsRemoved) {
  response r;
  std::string_view lines = "untouched";
  ASSERT_TRUE(r.field_lines(lines));
  EXPECT_EQ(lines, "");
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    const std::string value(static_cast<std::size_t>(i) * 5, 'v');
    r.add("X-" + std::to_string(i), value);
    expected += "X-" + std::to_string(i) + ": " + value + "\r\n";
  }
  ASSERT_TRUE(r.field_lines(lines));
  EXPECT_EQ(lines, expected);
  r.remove("x-absent");
  ASSERT_TRUE(r.field_lines(lines));
  r.set("X-Other", "1");  // set() of a name the response lacks removes nothing
  ASSERT_TRUE(r.field_lines(lines));
  EXPECT_EQ(lines, expected + "X-Other: 1\r\n");
  r.remove("x-3");
  EXPECT_FALSE(r.field_lines(lines));
  EXPECT_EQ(r.fields().size(), 40u);
  r.clear();
  r.add("A", "b");
  ASSERT_TRUE(r.field_lines(lines));
  EXPECT_EQ(lines, "A: b\r\n");
}

}  // namespace
}  // namespace ferry
