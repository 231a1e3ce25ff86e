#include "http/http_date.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace ferry {
namespace {

// 1994-11-06T08:49:37Z, the example of RFC 9110 §5.6.7.
constexpr std::time_t rfc_example = 784111777;
// 2024-06-01T00:00:00Z: a fixed "now" for two-digit years.
constexpr std::time_t june_2024 = 1717200000;

TEST(HttpDate, FormatsRfcExample) {
  EXPECT_EQ(format_http_date(rfc_example), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpDate, FormatsIntoBufferWithoutTerminator) {
  std::string buffer(http_date_length + 1, '#');
  format_http_date(0, buffer.data());
  EXPECT_EQ(buffer, "Thu, 01 Jan 1970 00:00:00 GMT#");
}

TEST(HttpDate, FormatsLeapDayAndYearEnd) {
  EXPECT_EQ(format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(format_http_date(1704067199), "Sun, 31 Dec 2023 23:59:59 GMT");
}

TEST(HttpDate, FormatClampsToFourDigitYears) {
  EXPECT_EQ(format_http_date(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(std::numeric_limits<std::time_t>::max()),
            "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(std::numeric_limits<std::time_t>::min()),
            "Mon, 01 Jan 0001 00:00:00 GMT");
}

TEST(HttpDate, ParsesAllThreeFormats) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", june_2024), rfc_example);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), rfc_example);
  EXPECT_EQ(parse_http_date("Sun Nov 06 08:49:37 1994"), rfc_example);
}

TEST(HttpDate, ParseToleratesSurroundingWhitespace) {
  EXPECT_EQ(parse_http_date(" \tSun, 06 Nov 1994 08:49:37 GMT\t "), rfc_example);
}

TEST(HttpDate, RoundTripsAcrossYears) {
  for (std::time_t t = -2208988800; t < 4102444800; t += 86400 * 97 + 3607) {
    const std::string text = format_http_date(t);
    EXPECT_EQ(parse_http_date(text), t) << text;
  }
}

TEST(HttpDate, AcceptsAnyCorrectlySpelledDayName) {
  // RFC 9110 lets recipients ignore a day name that disagrees with the date.
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Friday, 06-Nov-94 08:49:37 GMT", june_2024), rfc_example);
}

TEST(HttpDate, RejectsMisspelledNames) {
  EXPECT_EQ(parse_http_date("Sux, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nox 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("sun, 06 nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 gmt"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06-Nov-94 08:49:37 GMT", june_2024), std::nullopt);
  EXPECT_EQ(parse_http_date("Sundayy, 06-Nov-94 08:49:37 GMT", june_2024), std::nullopt);
}

TEST(HttpDate, ValidatesCalendarRanges) {
  EXPECT_TRUE(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"));
  EXPECT_TRUE(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 29 Feb 2023 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Thu, 29 Feb 1900 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Mon, 31 Apr 2023 00:00:00 GMT"));
  EXPECT_TRUE(parse_http_date("Sun, 31 Dec 2023 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 32 Dec 2023 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 00 Dec 2023 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 01 Dec 2023 24:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 01 Dec 2023 23:60:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 01 Dec 2023 23:59:61 GMT"));
  EXPECT_FALSE(parse_http_date("Sun Feb 30 00:00:00 2024"));
}

TEST(HttpDate, LeapSecondClampsToPreviousSecond) {
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"),
            parse_http_date("Sat, 31 Dec 2016 23:59:59 GMT"));
}

TEST(HttpDate, RejectsMalformedSyntax) {
  for (const char* text : {
           "",
           "GMT",
           "Sun, 06 Nov 1994 08:49:37",
           "Sun, 6 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 94 08:49:37 GMT",
           "Sun,  06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 8:49:37 GMT",
           "Sun, 06 Nov 1994 08-49-37 GMT",
           "Sun, 0x Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:3a GMT",
           "Sun, +6 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov -994 08:49:37 GMT",
           "Sunday, 06-Nov-1994 08:49:37 GMT",
           "Sunday 06-Nov-94 08:49:37 GMT",
           ", 06-Nov-94 08:49:37 GMT",
           "Sun Nov 6 08:49:37 1994",
           "Sun Nov  6 08:49:37 94",
           "Sun Nov  6 08:49:37 1994 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
           "1994-11-06T08:49:37Z",
       }) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
}

TEST(HttpDate, RejectsEmbeddedNul) {
  const std::string text("Sun, 06 Nov 1994 08:49:37 G\0T", 29);
  EXPECT_EQ(parse_http_date(text), std::nullopt);
}

TEST(HttpDate, Rfc850TwoDigitYearUsesFiftyYearRule) {
  // now = 2024: 74 is 50 years ahead (kept), 75 is 51 ahead (previous century).
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-74 00:00:00 GMT", june_2024),
            parse_http_date("Thu, 01 Jan 2074 00:00:00 GMT"));
  EXPECT_EQ(parse_http_date("Wednesday, 01-Jan-75 00:00:00 GMT", june_2024),
            parse_http_date("Wed, 01 Jan 1975 00:00:00 GMT"));
  EXPECT_EQ(parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT", june_2024),
            parse_http_date("Sat, 01 Jan 2000 00:00:00 GMT"));
  EXPECT_EQ(parse_http_date("Thursday, 31-Dec-99 00:00:00 GMT", june_2024),
            parse_http_date("Fri, 31 Dec 1999 00:00:00 GMT"));
  // now = 2090: "10" is 20 years ahead, not 80 years back.
  const std::time_t year_2090 = *parse_http_date("Sun, 01 Jan 2090 00:00:00 GMT");
  EXPECT_EQ(parse_http_date("Monday, 01-Jan-10 00:00:00 GMT", year_2090),
            parse_http_date("Mon, 01 Jan 2110 00:00:00 GMT"));
}

TEST(HttpDate, Rfc850LeapDayDependsOnResolvedCentury) {
  // 00 resolves to 2000 (a leap year) from 2024, to 2100 (not one) from 2090.
  EXPECT_TRUE(parse_http_date("Tuesday, 29-Feb-00 00:00:00 GMT", june_2024));
  const std::time_t year_2090 = *parse_http_date("Sun, 01 Jan 2090 00:00:00 GMT");
  EXPECT_FALSE(parse_http_date("Monday, 29-Feb-00 00:00:00 GMT", year_2090));
}

TEST(HttpDate, ParsesDatesBeforeEpoch) {
  EXPECT_EQ(parse_http_date("Wed, 31 Dec 1969 23:59:59 GMT"), -1);
  EXPECT_EQ(parse_http_date("Mon, 01 Jan 1900 00:00:00 GMT"), -2208988800);
}

TEST(HttpDateCache, ReturnsCurrentFormattedTime) {
  date_cache cache;
  const std::time_t before = std::time(nullptr);
  const std::string first(cache.now());
  const std::time_t after = std::time(nullptr);
  ASSERT_EQ(first.size(), http_date_length);
  const auto parsed = parse_http_date(first);
  ASSERT_TRUE(parsed);
  EXPECT_GE(*parsed, before);
  EXPECT_LE(*parsed, after);
}

TEST(HttpDateCache, ViewStaysInsideCache) {
  date_cache cache;
  const std::string_view a = cache.now();
  const std::string_view b = cache.now();
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(a.size(), http_date_length);
}

TEST(HttpDateCache, IndependentCachesOnThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (std::size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&ok, i] {
      date_cache cache;
      for (int n = 0; n < 1000; ++n) {
        if (!parse_http_date(cache.now())) return;
      }
      ok[i] = 1;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int value : ok) EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace ferry
