// Reading [rate_limit], and the local limiter deciding with it: rates, keys, paths, vhosts,
// the limit nearest to refusing in the headers, requests without a key value not counted.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <toml++/toml.h>

#include "modules/rate_limit/local_request_limiter.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"

namespace ferry {
namespace {

struct parsed {
  std::optional<rate_limit_settings> settings;
  std::vector<std::string> errors;
};

parsed parse(const std::string& text) {
  config_error_sink errors("ferry.toml");
  const toml::table document = toml::parse(text, std::string("ferry.toml"));
  parsed out;
  out.settings = parse_rate_limit_config(*document.get("rate_limit")->as_table(), errors);
  out.errors = errors.messages();
  return out;
}

TEST(RateLimitConfig, Rates) {
  std::int64_t requests = 0;
  std::int64_t period = 0;
  ASSERT_TRUE(parse_rate("100/s", requests, period));
  EXPECT_EQ(requests, 100);
  EXPECT_EQ(period, 1'000'000'000);
  ASSERT_TRUE(parse_rate("6000/m", requests, period));
  EXPECT_EQ(period, 60'000'000'000);
  ASSERT_TRUE(parse_rate("1/d", requests, period));
  EXPECT_EQ(period, 86'400'000'000'000);
  for (const char* bad : {"", "/s", "0/s", "-1/s", "+1/s", "1", "1/", "1/S", "1/w", "1 /s", "1/s ", "1000000001/s",
                          "99999999999999999999/s", "1/ss", "1//s"}) {
    EXPECT_FALSE(parse_rate(bad, requests, period)) << bad;
  }
}

TEST(RateLimitConfig, ReadsLimitsWithDefaults) {
  const parsed p = parse(R"([rate_limit]
max_keys = 5000
ipv6_prefix = 56
headers = false
[[rate_limit.limits]]
name = "api"
vhost = "API.Example.com"
path = "/api/**"
key = "header:X-Tenant"
rate = "10/m"
burst = 4
[[rate_limit.limits]]
name = "all"
rate = "50/s"
)");
  ASSERT_TRUE(p.settings) << (p.errors.empty() ? "" : p.errors[0]);
  const rate_limit_settings& s = *p.settings;
  EXPECT_EQ(s.max_keys, 5000U);
  EXPECT_EQ(s.prefixes.v4, 32U);
  EXPECT_EQ(s.prefixes.v6, 56U);
  EXPECT_FALSE(s.headers);
  ASSERT_EQ(s.limits.size(), 2U);
  EXPECT_EQ(s.limits[0].vhost, "api.example.com");
  EXPECT_EQ(s.limits[0].key, limit_key_kind::header);
  EXPECT_EQ(s.limits[0].header, "x-tenant");
  EXPECT_EQ(s.limits[0].policy.burst, 4);
  EXPECT_EQ(s.limits[0].policy_header, "\"api\";q=10;w=60");
  EXPECT_EQ(s.limits[1].vhost, "*");
  EXPECT_EQ(s.limits[1].key, limit_key_kind::client_address);
  EXPECT_EQ(s.limits[1].policy.burst, 50);  // one period's worth by default
  EXPECT_TRUE(s.limits[1].path.matches("/any/thing"));
}

TEST(RateLimitConfig, ReportsEveryMistakeWithItsLine) {
  const parsed p = parse(R"([rate_limit]
max_keys = 10
ipv4_prefix = 33
[[rate_limit.limits]]
name = "a b"
rate = "1/s"
[[rate_limit.limits]]
name = "dup"
rate = "1/x"
[[rate_limit.limits]]
name = "dup"
rate = "1/s"
key = "header:"
burst = 0
path = "no-slash"
[[rate_limit.limits]]
name = "norate"
colour = "red"
)");
  EXPECT_FALSE(p.settings);
  const std::vector<std::pair<int, std::string>> expected = {
      {2, "max_keys"}, {3, "ipv4_prefix"}, {5, "name"}, {9, "rate"}, {11, "another limit"}, {13, "key"},
      {14, "burst"},   {15, "path"},       {16, "missing 'rate'"},  {18, "unknown key"}};
  ASSERT_EQ(p.errors.size(), expected.size()) << [&] {
    std::string all;
    for (const auto& e : p.errors) all += e + "\n";
    return all;
  }();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    bool found = false;
    for (const auto& e : p.errors) {
      found |= e.rfind("ferry.toml:" + std::to_string(expected[i].first) + ":", 0) == 0 &&
               e.find(expected[i].second) != std::string::npos;
    }
    EXPECT_TRUE(found) << "line " << expected[i].first << ": " << expected[i].second;
  }
}

TEST(LocalRequestLimiter, CountsPerKeyAndReportsTheNearestLimit) {
  parsed p = parse(R"([rate_limit]
[[rate_limit.limits]]
name = "wide"
rate = "1/h"
burst = 10
[[rate_limit.limits]]
name = "narrow"
path = "/narrow/**"
vhost = "a.test"
rate = "1/h"
burst = 2
[[rate_limit.limits]]
name = "users"
key = "principal"
rate = "1/h"
burst = 1
)");
  ASSERT_TRUE(p.settings);
  auto limiter = std::make_shared<const local_request_limiter>(std::move(*p.settings));
  auto checker = limiter->make_checker();
  limit_verdict v;
  const auto ask = [&](std::string_view path, std::string_view vhost, std::string_view address,
                       std::string_view principal = {}) {
    limit_request r;
    r.path = path;
    r.vhost = vhost;
    r.remote_address = address;
    r.principal = principal;
    checker->check(r, v);
    return !v.limited;
  };
  EXPECT_TRUE(ask("/narrow/x", "a.test", "192.0.2.1"));
  EXPECT_EQ(v.policy, "\"narrow\";q=1;w=3600");  // 1 left of 2, fewer than wide's 9
  EXPECT_EQ(v.state.substr(0, 13), "\"narrow\";r=1;");
  EXPECT_TRUE(ask("/narrow/x", "a.test", "192.0.2.1"));
  EXPECT_FALSE(ask("/narrow/x", "a.test", "192.0.2.1"));
  EXPECT_EQ(v.policy, "\"narrow\";q=1;w=3600");
  EXPECT_FALSE(v.retry_after.empty());
  // Another vhost: narrow does not apply, wide still counts (3 used of 10).
  EXPECT_TRUE(ask("/narrow/x", "b.test", "192.0.2.1"));
  EXPECT_EQ(v.state.substr(0, 11), "\"wide\";r=6;");
  // IPv6 clients in one /64 share a bucket; another /64 does not.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ask("/x", "b.test", i % 2 ? "2001:db8::1" : "2001:DB8:0:0:ffff::2"));
  EXPECT_FALSE(ask("/x", "b.test", "2001:db8::3"));
  EXPECT_TRUE(ask("/x", "b.test", "2001:db8:0:1::1"));
  // Principal limits count only identified requests.
  EXPECT_TRUE(ask("/y", "c.test", "198.51.100.1", "alice"));
  EXPECT_FALSE(ask("/y", "c.test", "198.51.100.2", "alice"));
  EXPECT_TRUE(ask("/y", "c.test", "198.51.100.3", "bob"));
}

}  // namespace
}  // namespace ferry
