#include "http/conditional.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/http_date.hpp"

namespace ferry {
namespace {

constexpr std::time_t modified = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
const std::string modified_text = "Sun, 06 Nov 1994 08:49:37 GMT";
const std::string earlier_text = "Sun, 06 Nov 1994 08:49:36 GMT";
const std::string later_text = "Sun, 06 Nov 1994 08:49:38 GMT";

const validators current{"\"5f1c-2a\"", modified};

precondition evaluate(const conditional_headers& headers, bool get_or_head = true) {
  return evaluate_preconditions(headers, current, get_or_head);
}

conditional_headers if_match(std::string_view value) {
  conditional_headers h;
  h.if_match = value;
  return h;
}

conditional_headers if_none_match(std::string_view value) {
  conditional_headers h;
  h.if_none_match = value;
  return h;
}

TEST(Preconditions, NoHeadersProceed) {
  EXPECT_EQ(evaluate({}), precondition::proceed);
  EXPECT_EQ(evaluate({}, false), precondition::proceed);
}

TEST(Preconditions, IfMatchStrongComparison) {
  EXPECT_EQ(evaluate(if_match("\"5f1c-2a\"")), precondition::proceed);
  EXPECT_EQ(evaluate(if_match("\"other\"")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("W/\"5f1c-2a\"")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("\"5F1C-2A\"")), precondition::failed);
}

TEST(Preconditions, IfMatchListAndStar) {
  EXPECT_EQ(evaluate(if_match("\"a\", \"5f1c-2a\", \"b\"")), precondition::proceed);
  EXPECT_EQ(evaluate(if_match("\"a\",\"b\"")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("*")), precondition::proceed);
  EXPECT_EQ(evaluate(if_match("  *  ")), precondition::proceed);
  EXPECT_EQ(evaluate(if_match(", ,\"5f1c-2a\" ,,")), precondition::proceed);
}

TEST(Preconditions, IfMatchMalformedFails) {
  EXPECT_EQ(evaluate(if_match("")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("5f1c-2a")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("\"5f1c-2a")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("\"5f1c-2a\" \"x\"")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("\"5f1c-2a\", *")), precondition::failed);
  EXPECT_EQ(evaluate(if_match("\"5f1c-2a\", \"unterminated")), precondition::failed);
}

TEST(Preconditions, IfMatchOnResourceWithoutEtag) {
  const validators no_tag{"", modified};
  conditional_headers h = if_match("\"\"");
  EXPECT_EQ(evaluate_preconditions(h, no_tag, true), precondition::failed);
  h.if_match = "*";
  EXPECT_EQ(evaluate_preconditions(h, no_tag, true), precondition::proceed);
}

TEST(Preconditions, CommaInsideQuotedTagIsPartOfTag) {
  const validators comma_tag{"\"a,b\"", modified};
  EXPECT_EQ(evaluate_preconditions(if_match("\"x\", \"a,b\""), comma_tag, true),
            precondition::proceed);
  EXPECT_EQ(evaluate_preconditions(if_match("\"a\", \"b\""), comma_tag, true),
            precondition::failed);
  EXPECT_EQ(evaluate_preconditions(if_none_match("\"a,b\""), comma_tag, true),
            precondition::not_modified);
}

TEST(Preconditions, IfUnmodifiedSince) {
  conditional_headers h;
  h.if_unmodified_since = modified_text;
  EXPECT_EQ(evaluate(h), precondition::proceed);
  h.if_unmodified_since = later_text;
  EXPECT_EQ(evaluate(h), precondition::proceed);
  h.if_unmodified_since = earlier_text;
  EXPECT_EQ(evaluate(h), precondition::failed);
  EXPECT_EQ(evaluate(h, false), precondition::failed);
  h.if_unmodified_since = "yesterday";
  EXPECT_EQ(evaluate(h), precondition::proceed);
}

TEST(Preconditions, IfUnmodifiedSinceIgnoredWhenIfMatchPresent) {
  conditional_headers h = if_match("\"5f1c-2a\"");
  h.if_unmodified_since = earlier_text;
  EXPECT_EQ(evaluate(h), precondition::proceed);
}

TEST(Preconditions, IfNoneMatchWeakComparison) {
  EXPECT_EQ(evaluate(if_none_match("\"5f1c-2a\"")), precondition::not_modified);
  EXPECT_EQ(evaluate(if_none_match("W/\"5f1c-2a\"")), precondition::not_modified);
  EXPECT_EQ(evaluate(if_none_match("\"other\"")), precondition::proceed);
  const validators weak_current{"W/\"5f1c-2a\"", modified};
  EXPECT_EQ(evaluate_preconditions(if_none_match("\"5f1c-2a\""), weak_current, true),
            precondition::not_modified);
}

TEST(Preconditions, IfNoneMatchListAndStar) {
  EXPECT_EQ(evaluate(if_none_match("\"x\", W/\"5f1c-2a\"")), precondition::not_modified);
  EXPECT_EQ(evaluate(if_none_match("*")), precondition::not_modified);
  EXPECT_EQ(evaluate(if_none_match("\"x\",\t\"y\"")), precondition::proceed);
}

TEST(Preconditions, IfNoneMatchOnOtherMethodsFails) {
  EXPECT_EQ(evaluate(if_none_match("\"5f1c-2a\""), false), precondition::failed);
  EXPECT_EQ(evaluate(if_none_match("*"), false), precondition::failed);
  EXPECT_EQ(evaluate(if_none_match("\"other\""), false), precondition::proceed);
}

TEST(Preconditions, IfNoneMatchMalformedMatchesNothing) {
  EXPECT_EQ(evaluate(if_none_match("\"5f1c-2a")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("5f1c-2a")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("\"5f1c-2a\" junk")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("w/\"5f1c-2a\"")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("\"5f1c 2a\"")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match(std::string_view("\"5f1c\0-2a\"", 10))), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("\"")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match("W/")), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match(",,,")), precondition::proceed);
}

TEST(Preconditions, IfModifiedSince) {
  conditional_headers h;
  h.if_modified_since = modified_text;
  EXPECT_EQ(evaluate(h), precondition::not_modified);
  h.if_modified_since = later_text;
  EXPECT_EQ(evaluate(h), precondition::not_modified);
  h.if_modified_since = earlier_text;
  EXPECT_EQ(evaluate(h), precondition::proceed);
  h.if_modified_since = "garbage";
  EXPECT_EQ(evaluate(h), precondition::proceed);
}

TEST(Preconditions, IfModifiedSinceOnlyForGetAndHead) {
  conditional_headers h;
  h.if_modified_since = modified_text;
  EXPECT_EQ(evaluate(h, false), precondition::proceed);
}

TEST(Preconditions, IfModifiedSinceIgnoredWhenIfNoneMatchPresent) {
  conditional_headers h = if_none_match("\"other\"");
  h.if_modified_since = later_text;
  EXPECT_EQ(evaluate(h), precondition::proceed);
}

TEST(Preconditions, IfMatchFailureWinsOverIfNoneMatch) {
  conditional_headers h = if_match("\"other\"");
  h.if_none_match = "\"5f1c-2a\"";
  EXPECT_EQ(evaluate(h), precondition::failed);
}

TEST(Preconditions, IfUnmodifiedSinceFailureWinsOverIfModifiedSince) {
  conditional_headers h;
  h.if_unmodified_since = earlier_text;
  h.if_modified_since = later_text;
  EXPECT_EQ(evaluate(h), precondition::failed);
}

TEST(Preconditions, PassingIfMatchThenIfNoneMatch) {
  conditional_headers h = if_match("*");
  h.if_none_match = "\"5f1c-2a\"";
  EXPECT_EQ(evaluate(h), precondition::not_modified);
}

TEST(Preconditions, LongHostileListIsHandled) {
  std::string list;
  for (int i = 0; i < 100000; ++i) list += "\"x\", ";
  list += "\"5f1c-2a\"";
  EXPECT_EQ(evaluate(if_none_match(list)), precondition::not_modified);
  EXPECT_EQ(evaluate(if_none_match(std::string(200000, '"'))), precondition::proceed);
  EXPECT_EQ(evaluate(if_none_match(std::string(200000, ','))), precondition::proceed);
}

TEST(IfRange, StrongEtagMatchesExactly) {
  EXPECT_TRUE(if_range_matches("\"5f1c-2a\"", current));
  EXPECT_TRUE(if_range_matches(" \"5f1c-2a\" ", current));
  EXPECT_FALSE(if_range_matches("\"5f1c-2b\"", current));
  EXPECT_FALSE(if_range_matches("W/\"5f1c-2a\"", current));
  EXPECT_FALSE(if_range_matches("\"5f1c-2a\", \"x\"", current));
  EXPECT_FALSE(if_range_matches("\"5f1c-2a", current));
}

TEST(IfRange, WeakCurrentTagNeverMatches) {
  const validators weak_current{"W/\"5f1c-2a\"", modified};
  EXPECT_FALSE(if_range_matches("\"5f1c-2a\"", weak_current));
  EXPECT_FALSE(if_range_matches("W/\"5f1c-2a\"", weak_current));
}

TEST(IfRange, DateMustEqualLastModified) {
  EXPECT_TRUE(if_range_matches(modified_text, current));
  EXPECT_FALSE(if_range_matches(later_text, current));
  EXPECT_FALSE(if_range_matches(earlier_text, current));
}

TEST(IfRange, GarbageDoesNotMatch) {
  EXPECT_FALSE(if_range_matches("", current));
  EXPECT_FALSE(if_range_matches("*", current));
  EXPECT_FALSE(if_range_matches("5f1c-2a", current));
  EXPECT_FALSE(if_range_matches("\"", current));
}

}  // namespace
}  // namespace ferry
