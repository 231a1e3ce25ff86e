// RateLimit-Policy, RateLimit and Retry-After values (draft-ietf-httpapi-ratelimit-headers-11
// syntax), their rounding, and names that must never reach a header unescaped.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "modules/rate_limit/gcra.hpp"
#include "modules/rate_limit/rate_limit_headers.hpp"

namespace ferry {
namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;
constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();

std::string policy_value(std::string_view name, std::int64_t requests, std::int64_t period_ns) {
  std::string out;
  EXPECT_TRUE(append_rate_limit_policy(out, name, requests, period_ns));
  return out;
}

std::string limit_value(std::string_view name, const gcra_decision& d) {
  std::string out;
  EXPECT_TRUE(append_rate_limit(out, name, d));
  return out;
}

std::string retry_value(std::int64_t retry_after_ns) {
  gcra_decision d;
  d.allowed = false;
  d.retry_after_ns = retry_after_ns;
  std::string out;
  append_retry_after(out, d);
  return out;
}

gcra_decision decision(bool allowed, std::int64_t remaining, std::int64_t reset_ns) {
  gcra_decision d;
  d.allowed = allowed;
  d.remaining = remaining;
  d.reset_ns = reset_ns;
  return d;
}

TEST(RateLimitHeaders, PolicyValue) {
  EXPECT_EQ(policy_value("default", 100, 60 * s), "\"default\";q=100;w=60");
  EXPECT_EQ(policy_value("api", 10, 1 * s), "\"api\";q=10;w=1");
  EXPECT_EQ(policy_value("per day", 1000, 86400 * s), "\"per day\";q=1000;w=86400");
}

TEST(RateLimitHeaders, PolicyWindowRoundsUpToAtLeastOneSecond) {
  EXPECT_EQ(policy_value("p", 3, 1500 * ms), "\"p\";q=3;w=2");
  EXPECT_EQ(policy_value("p", 3, 1 * s + 1), "\"p\";q=3;w=2");
  EXPECT_EQ(policy_value("p", 1, 1), "\"p\";q=1;w=1");
  EXPECT_EQ(policy_value("p", 1, 0), "\"p\";q=1;w=1");
  EXPECT_EQ(policy_value("p", 1, -5), "\"p\";q=1;w=1");
  EXPECT_EQ(policy_value("p", 1, max_i64), "\"p\";q=1;w=9223372037");
}

TEST(RateLimitHeaders, IntegersStayStructuredFieldIntegers) {
  EXPECT_EQ(policy_value("p", max_i64, 1 * s), "\"p\";q=999999999999999;w=1");
  EXPECT_EQ(policy_value("p", -3, 1 * s), "\"p\";q=0;w=1");
  EXPECT_EQ(limit_value("p", decision(true, max_i64, 1 * s)), "\"p\";r=999999999999999;t=1");
  EXPECT_EQ(limit_value("p", decision(true, -1, -1)), "\"p\";r=0;t=0");
}

TEST(RateLimitHeaders, LimitValue) {
  EXPECT_EQ(limit_value("default", decision(true, 50, 30 * s)), "\"default\";r=50;t=30");
  EXPECT_EQ(limit_value("default", decision(true, 7, 2100 * ms)), "\"default\";r=7;t=3");
  EXPECT_EQ(limit_value("default", decision(true, 0, 1)), "\"default\";r=0;t=1");
  EXPECT_EQ(limit_value("default", decision(true, 0, 0)), "\"default\";r=0;t=0");
}

TEST(RateLimitHeaders, DenialReportsNothingRemaining) {
  gcra_decision d = decision(false, 5, 4 * s);  // remaining is ignored when denied
  EXPECT_EQ(limit_value("x", d), "\"x\";r=0;t=4");
}

TEST(RateLimitHeaders, RetryAfterRoundsUpToAtLeastOne) {
  EXPECT_EQ(retry_value(0), "1");
  EXPECT_EQ(retry_value(-1), "1");
  EXPECT_EQ(retry_value(1), "1");
  EXPECT_EQ(retry_value(1 * s), "1");
  EXPECT_EQ(retry_value(1 * s + 1), "2");
  EXPECT_EQ(retry_value(59 * s + 999 * ms), "60");
  EXPECT_EQ(retry_value(max_i64), "9223372037");
}

TEST(RateLimitHeaders, CeilSeconds) {
  EXPECT_EQ(ceil_seconds(0), 0);
  EXPECT_EQ(ceil_seconds(-1), 0);
  EXPECT_EQ(ceil_seconds(std::numeric_limits<std::int64_t>::min()), 0);
  EXPECT_EQ(ceil_seconds(1), 1);
  EXPECT_EQ(ceil_seconds(999'999'999), 1);
  EXPECT_EQ(ceil_seconds(1'000'000'000), 1);
  EXPECT_EQ(ceil_seconds(1'000'000'001), 2);
  EXPECT_EQ(ceil_seconds(max_i64), 9'223'372'037);
}

TEST(RateLimitHeaders, AppendsToWhatIsThere) {
  std::string out = "\"a\";q=1;w=1, ";
  ASSERT_TRUE(append_rate_limit_policy(out, "b", 2, 2 * s));
  EXPECT_EQ(out, "\"a\";q=1;w=1, \"b\";q=2;w=2");
  std::string retry = "x";
  append_retry_after(retry, gcra_decision{false, 3 * s, 0, 3 * s});
  EXPECT_EQ(retry, "x3");
}

TEST(RateLimitHeaders, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(policy_value("a\"b\\c", 1, 1 * s), "\"a\\\"b\\\\c\";q=1;w=1");
  EXPECT_EQ(limit_value("\"", decision(true, 1, 1 * s)), "\"\\\"\";r=1;t=1");
  EXPECT_TRUE(is_valid_policy_name(" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}"));
}

TEST(RateLimitHeaders, ControlAndNonAsciiNamesAreRefused) {
  using namespace std::string_view_literals;
  for (const std::string_view name :
       {""sv, "a\r\nSet-Cookie: x=1"sv, "a\nb"sv, "a\rb"sv, "tab\there"sv, "nul\0byte"sv, "\0"sv,
        "del\x7f"sv, "caf\xc3\xa9"sv, "\xff"sv}) {
    EXPECT_FALSE(is_valid_policy_name(name)) << std::string(name);
    std::string out = "kept";
    EXPECT_FALSE(append_rate_limit_policy(out, name, 1, 1 * s));
    EXPECT_FALSE(append_rate_limit(out, name, decision(true, 1, 1 * s)));
    EXPECT_EQ(out, "kept") << "nothing may be appended for a refused name";
  }
}

TEST(RateLimitHeaders, FromARealDecision) {
  // 100 requests per minute, burst 10, third request of a fresh key.
  const gcra_policy p = gcra_policy::per_period(100, 60 * s, 10);
  std::int64_t tat = 0;
  gcra_apply(tat, 5 * s, p);
  gcra_apply(tat, 5 * s, p);
  const gcra_decision d = gcra_apply(tat, 5 * s, p);
  EXPECT_EQ(policy_value("default", 100, 60 * s), "\"default\";q=100;w=60");
  EXPECT_EQ(limit_value("default", d), "\"default\";r=7;t=2");  // 3 * 600 ms = 1.8 s
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(gcra_apply(tat, 5 * s, p).allowed);
  const gcra_decision denied = gcra_apply(tat, 5 * s, p);
  ASSERT_FALSE(denied.allowed);
  EXPECT_EQ(limit_value("default", denied), "\"default\";r=0;t=6");
  std::string retry;
  append_retry_after(retry, denied);
  EXPECT_EQ(retry, "1");  // 600 ms
}

}  // namespace
}  // namespace ferry
