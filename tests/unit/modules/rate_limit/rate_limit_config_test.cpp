// Reading [rate_limit], and the local limiter deciding with it: rates, keys, paths, vhosts,
// the limit nearest to refusing in the headers, requests without a key value not counted.
// Then the Redis backend's table: defaults, every key mapped, and every mistake refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <asio/io_context.hpp>
#include <toml++/toml.h>

#include "modules/rate_limit/local_request_limiter.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "redis_test_support.hpp"
#include "temp_dir.hpp"

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

// Every message, one per line, for failure output.
std::string all_errors(const parsed& p) {
  std::string all;
  for (const auto& e : p.errors) all += e + "\n";
  return all;
}

// Whether some error is at `line` and mentions `what`.
bool has_error(const parsed& p, int line, std::string_view what) {
  for (const auto& e : p.errors) {
    if (e.rfind("ferry.toml:" + std::to_string(line) + ":", 0) == 0 && e.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(RateLimitConfig, TheBackendIsLocalByDefault) {
  const parsed p = parse("[rate_limit]\n");
  ASSERT_TRUE(p.settings);
  EXPECT_EQ(p.settings->backend, rate_limit_backend::local);
}

TEST(RateLimitConfig, RedisDefaults) {
  const parsed p = parse("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\n");
  ASSERT_TRUE(p.settings) << all_errors(p);
  const rate_limit_settings& s = *p.settings;
  EXPECT_EQ(s.backend, rate_limit_backend::redis);
  const redis_client_config& c = s.redis.client;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 6379);
  EXPECT_TRUE(c.username.empty());
  EXPECT_TRUE(c.password.empty());
  EXPECT_EQ(c.db, 0U);
  EXPECT_EQ(c.connections, 2U);
  EXPECT_EQ(c.timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(c.connect_timeout, std::chrono::milliseconds(1000));
  EXPECT_FALSE(c.tls.enabled);
  EXPECT_EQ(s.redis.key_prefix, "ferry:rl:");
  EXPECT_EQ(s.redis.on_failure, redis_failure_action::local);  // fail_open with local_fallback
}

TEST(RateLimitConfig, RedisKeysMapOntoTheClient) {
  test::temp_dir dir;
  const std::string password_file = dir.write("redis-password", "  s3cret pass\t\r\n\n");
  const parsed p = parse(R"([rate_limit]
backend = "redis"
[rate_limit.redis]
host = "redis.internal"
port = 6380
username = "ferry"
password_file = ")" + password_file + R"("
db = 3
connections = 16
timeout_ms = 10000
connect_timeout_ms = 2500
key_prefix = "edge:rl:"
on_error = "fail_open"
local_fallback = false
)");
  ASSERT_TRUE(p.settings) << all_errors(p);
  const redis_limit_settings& r = p.settings->redis;
  EXPECT_EQ(r.client.host, "redis.internal");
  EXPECT_EQ(r.client.port, 6380);
  EXPECT_EQ(r.client.username, "ferry");
  EXPECT_EQ(r.client.password, "s3cret pass");  // trimmed at both ends, inner space kept
  EXPECT_EQ(r.client.db, 3U);
  EXPECT_EQ(r.client.connections, 16U);
  EXPECT_EQ(r.client.timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(r.client.connect_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(r.key_prefix, "edge:rl:");
  EXPECT_EQ(r.on_failure, redis_failure_action::open);

  const parsed closed = parse(
      "[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\npassword = \"pw\"\non_error = \"fail_closed\"\n"
      "local_fallback = false\nkey_prefix = \"\"\n");
  ASSERT_TRUE(closed.settings) << all_errors(closed);
  EXPECT_EQ(closed.settings->redis.on_failure, redis_failure_action::closed);
  EXPECT_EQ(closed.settings->redis.client.password, "pw");
  EXPECT_TRUE(closed.settings->redis.key_prefix.empty());
}

TEST(RateLimitConfig, RedisTlsFilesAreLoadedWhenTheConfigIs) {
  test::temp_dir dir;
  const test::redis_tls_files files = test::make_redis_tls_files(dir);
  const parsed good = parse(R"([rate_limit]
backend = "redis"
[rate_limit.redis]
tls = true
tls_ca_file = ")" + files.ca_cert + R"("
tls_cert_file = ")" + files.client_cert + R"("
tls_key_file = ")" + files.client_key + R"("
tls_server_name = "localhost"
)");
  ASSERT_TRUE(good.settings) << all_errors(good);
  const redis_tls_settings& tls = good.settings->redis.client.tls;
  EXPECT_TRUE(tls.enabled);
  EXPECT_EQ(tls.ca_file, files.ca_cert);
  EXPECT_EQ(tls.cert_file, files.client_cert);
  EXPECT_EQ(tls.key_file, files.client_key);
  EXPECT_EQ(tls.server_name, "localhost");

  const parsed missing = parse(R"([rate_limit]
backend = "redis"
[rate_limit.redis]
tls = true
tls_ca_file = "/nonexistent/ca.pem"
)");
  EXPECT_FALSE(missing.settings);
  EXPECT_TRUE(has_error(missing, 5, "rate_limit.redis.tls_ca_file")) << all_errors(missing);
}

TEST(RateLimitConfig, RedisMistakesAreReportedWithTheirLines) {
  test::temp_dir dir;
  const std::string empty_file = dir.write("empty", " \n\t\n");
  const parsed p = parse(R"([rate_limit]
backend = "redis"
[rate_limit.redis]
host = "bad host"
port = 0
username = "ferry"
password = "x"
password_file = "/etc/ferry/redis-password"
db = -1
connections = 17
timeout_ms = 0
connect_timeout_ms = 60001
key_prefix = "has space"
on_error = "fail_shut"
local_fallback = "yes"
tls_ca_file = "/etc/ferry/ca.pem"
colour = "red"
)");
  EXPECT_FALSE(p.settings);
  const std::vector<std::pair<int, std::string>> expected = {
      {4, "host"},          {5, "port"},       {8, "not both"},           {9, "db"},
      {10, "connections"},  {11, "timeout_ms"}, {12, "connect_timeout_ms"}, {13, "key_prefix"},
      {14, "on_error"},     {15, "local_fallback"}, {16, "only with tls = true"}, {17, "unknown key"}};
  EXPECT_EQ(p.errors.size(), expected.size()) << all_errors(p);
  for (const auto& [line, what] : expected) {
    EXPECT_TRUE(has_error(p, line, what)) << line << ": " << what << "\n" << all_errors(p);
  }

  const auto only_error = [](const std::string& text, int line, std::string_view what) {
    const parsed q = parse(text);
    EXPECT_FALSE(q.settings) << text;
    EXPECT_EQ(q.errors.size(), 1U) << all_errors(q);
    EXPECT_TRUE(has_error(q, line, what)) << all_errors(q);
  };
  // The table without the backend, and the backend without the table.
  only_error("[rate_limit]\n[rate_limit.redis]\nhost = \"r\"\n", 2, "only with backend = \"redis\"");
  only_error("[rate_limit]\nbackend = \"local\"\n[rate_limit.redis]\n", 3, "only with backend = \"redis\"");
  only_error("[rate_limit]\nbackend = \"redis\"\n", 2, "needs a [rate_limit.redis] table");
  only_error("[rate_limit]\nbackend = \"memcached\"\n", 2, "backend");
  only_error("[rate_limit]\nbackend = \"redis\"\nredis = 1\n", 3, "rate_limit.redis");
  // Password files: unreadable, empty, and a username without any password.
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\npassword_file = \"/nonexistent/pw\"\n", 4,
             "cannot read");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\npassword_file = \"" + empty_file + "\"\n", 4,
             "holds no password");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nusername = \"u\"\n", 4, "needs password");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\npassword = \"\"\n", 4, "must not be empty");
  // Ranges, at both ends.
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nconnections = 0\n", 4, "connections");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\ntimeout_ms = 10001\n", 4, "timeout_ms");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nport = 65536\n", 4, "port");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\ndb = 2147483648\n", 4, "db");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nhost = \"\"\n", 4, "host");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nkey_prefix = \"" + std::string(65, 'k') + "\"\n",
             4, "key_prefix");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nkey_prefix = \"a\\u0001\"\n", 4, "key_prefix");
  // Contradictions.
  only_error(
      "[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\non_error = \"fail_closed\"\nlocal_fallback = true\n", 5,
      "only with on_error = \"fail_open\"");
  only_error("[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\ntls = true\ntls_cert_file = \"/c.pem\"\n", 5,
             "go together");
}

TEST(RateLimitConfig, TheExampleConfigurationLoads) {
  // config/ferry.toml's [rate_limit] example lines ("#~ "), read by the real reader. The path
  // comes from this file's (tests/unit/modules/rate_limit/ is five levels below the root).
  const auto root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().parent_path();
  std::ifstream in(root / "config" / "ferry.toml");
  ASSERT_TRUE(in) << root;
  std::string text;
  bool in_rate_limit = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#~ ", 0) == 0) line.erase(0, 3);
    if (line.rfind("[", 0) == 0) {
      in_rate_limit = line.rfind("[rate_limit", 0) == 0 || line.rfind("[[rate_limit", 0) == 0;
    }
    if (in_rate_limit) text += line + "\n";
  }
  ASSERT_NE(text.find("[rate_limit.redis]"), std::string::npos) << text;
  const parsed p = parse(text);
  ASSERT_TRUE(p.settings) << all_errors(p) << text;
  // The example states the defaults.
  const rate_limit_settings defaults;
  const redis_limit_settings& r = p.settings->redis;
  EXPECT_EQ(p.settings->backend, rate_limit_backend::redis);
  EXPECT_EQ(r.client.port, defaults.redis.client.port);
  EXPECT_EQ(r.client.db, defaults.redis.client.db);
  EXPECT_EQ(r.client.connections, defaults.redis.client.connections);
  EXPECT_EQ(r.client.timeout, defaults.redis.client.timeout);
  EXPECT_EQ(r.client.connect_timeout, defaults.redis.client.connect_timeout);
  EXPECT_EQ(r.key_prefix, defaults.redis.key_prefix);
  EXPECT_EQ(r.on_failure, defaults.redis.on_failure);
  EXPECT_EQ(r.client.tls.enabled, defaults.redis.client.tls.enabled);
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
  asio::io_context io;
  auto checker = limiter->make_checker(io);
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

namespace ferry {
namespace {

// key = "tenant" counts per principal's tenant (not at all without one); key = "vhost" per
// virtual host, whoever the client is.
TEST(RateLimitConfig, TenantAndVhostKeys) {
  const parsed p = parse(R"([rate_limit]
[[rate_limit.limits]]
name = "per-tenant"
path = "/t/**"
key = "tenant"
rate = "1/h"
burst = 2
[[rate_limit.limits]]
name = "per-host"
path = "/h/**"
key = "vhost"
rate = "1/h"
burst = 2
)");
  ASSERT_TRUE(p.settings) << all_errors(p);
  EXPECT_EQ(p.settings->limits[0].key, limit_key_kind::tenant);
  EXPECT_EQ(p.settings->limits[1].key, limit_key_kind::vhost);
  auto limiter = std::make_shared<const local_request_limiter>(std::move(*p.settings));
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  limit_verdict v;
  const auto allowed = [&](std::string_view path, std::string_view tenant, std::string_view vhost,
                           std::string_view address) {
    limit_request r;
    r.path = path;
    r.tenant = tenant;
    r.vhost = vhost;
    r.remote_address = address;
    EXPECT_TRUE(checker->check(r, v));
    return !v.limited;
  };
  // Two clients of tenant "acme" share its burst of 2; tenant "other" has its own.
  EXPECT_TRUE(allowed("/t/x", "acme", "a.test", "192.0.2.1"));
  EXPECT_TRUE(allowed("/t/x", "acme", "a.test", "192.0.2.2"));
  EXPECT_FALSE(allowed("/t/x", "acme", "b.test", "192.0.2.3"));
  EXPECT_TRUE(allowed("/t/x", "other", "a.test", "192.0.2.1"));
  // No tenant: not counted by a tenant limit.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(allowed("/t/x", "", "a.test", "192.0.2.9"));
  // Per host, every client together.
  EXPECT_TRUE(allowed("/h/x", "", "shop", "192.0.2.1"));
  EXPECT_TRUE(allowed("/h/x", "acme", "shop", "192.0.2.2"));
  EXPECT_FALSE(allowed("/h/x", "", "shop", "192.0.2.3"));
  EXPECT_TRUE(allowed("/h/x", "", "blog", "192.0.2.3"));
}

}  // namespace
}  // namespace ferry
