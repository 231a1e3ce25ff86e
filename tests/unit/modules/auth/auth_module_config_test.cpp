// Reading the [auth] table: a full config is accepted; each wrong key or value is reported
// with its line, unknown keys are errors, and unloadable files are config errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "credential_test_support.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/auth_config.hpp"

namespace ferry {
namespace {

using credential_test::temp_dir;

struct load_result {
  std::optional<auth_config> config;
  std::vector<std::string> errors;
};

load_result load(const std::string& text) {
  config_error_sink errors("ferry.toml");
  toml::table table = toml::parse(text, std::string("ferry.toml"));
  load_result out;
  out.config = load_auth_config(*table.get("auth")->as_table(), errors);
  out.errors = errors.messages();
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Expects exactly one error, at `line`, mentioning `text`.
void expect_error(const std::string& config, int line, const std::string& text) {
  const load_result r = load(config);
  EXPECT_FALSE(r.config.has_value()) << config;
  ASSERT_EQ(r.errors.size(), 1U) << config << "\n" << joined(r.errors);
  EXPECT_EQ(r.errors[0].rfind("ferry.toml:" + std::to_string(line) + ": ", 0), 0U) << r.errors[0];
  EXPECT_NE(r.errors[0].find(text), std::string::npos) << r.errors[0];
}

class AuthConfig : public ::testing::Test {
 protected:
  temp_dir dir;
  std::string secret = dir.write("hs.secret", "0123456789abcdef0123456789abcdef-test-secret\n");
  std::string keys = dir.write("keys", "k2 " + hash_api_key("second-key-0123456789abcdefghijkl") + "\n");
  std::string htpasswd = dir.write("htpasswd", "");
  std::string url_keys = dir.write("url-keys", "u1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n");
  std::string hash = hash_api_key("first-key-0123456789abcdefghijklm");
};

TEST_F(AuthConfig, FullConfigIsAccepted) {
  const std::string text = R"([auth]
default = "deny"
realm = "ferry"

[auth.api_keys]
header = "X-API-Key"
keys = [ { id = "ci", hash = ")" + hash + R"(", roles = ["deploy"], expires = "2027-01-01T00:00:00Z" } ]
file = ")" + keys + R"("

[auth.jwt]
keys = [ { file = ")" + secret + R"(", alg = "HS256", kid = "k1" } ]
issuers = ["https://issuer.example"]
audiences = ["ferry"]
leeway = "60s"
required_claims = ["sub"]
roles_claim = "groups"
max_token_size = "8KiB"
cache_entries = 0
cache_ttl = "5m"

[auth.basic]
htpasswd = ")" + htpasswd + R"("

[auth.signed_urls]
file = ")" + url_keys + R"("
bind_client_ip = true

[[auth.rules]]
name = "private"
vhost = "*"
path = "/private/**"
methods = ["GET", "HEAD"]
auth = ["jwt", "api_key"]
roles = ["reader"]
roles_match = "all"
action = "allow"
when = { all = [ { claim = "dept", equals = "ops" }, { client_address_in = ["127.0.0.0/8"] },
                 { any = [ { claim = "x", in = ["a", "b"] }, { claim = "g", contains = "v" } ] },
                 { not = { tenant = "t" } }, { tls = true },
                 { time = { days = "Mon-Fri", hours = "09:00-17:00", zone = "+01:00" } },
                 { header = "X-Env", equals = "prod" }, { header = "X-Env", prefix = "pr" } ] }

[[auth.rules]]
path = "/b/**"
auth = ["basic", "signed_url"]
action = "authenticate"

[auth.audit]
target = "off"
events = "denials"
hash_chain = true
queue_full = "drop"
queue_size = 16
)";
  const load_result r = load(text);
  ASSERT_TRUE(r.config.has_value()) << joined(r.errors);
  const auth_settings& s = r.config->settings;
  EXPECT_EQ(s.realm, "ferry");
  ASSERT_TRUE(s.api_keys.has_value());
  EXPECT_EQ(s.api_keys->header, "X-API-Key");
  EXPECT_EQ(r.config->sets.api_keys->size(), 2U);
  ASSERT_TRUE(s.jwt.has_value());
  EXPECT_EQ(s.jwt->roles_claim, "groups");
  EXPECT_EQ(s.jwt->cache_entries, 0U);
  EXPECT_EQ(s.jwt->options.leeway, std::chrono::seconds(60));
  EXPECT_EQ(s.jwt->options.max_token_bytes, 8192U);
  ASSERT_EQ(s.jwt->sources.size(), 1U);
  EXPECT_EQ(s.jwt->sources[0].type, jwt_key_source::kind::secret_file);
  EXPECT_TRUE(r.config->sets.jwt_keys);
  EXPECT_TRUE(r.config->sets.htpasswd);
  ASSERT_TRUE(s.signed_urls.has_value());
  EXPECT_TRUE(s.signed_urls->options.bind_client_ip);
  EXPECT_EQ(r.config->sets.url_keys->size(), 1U);
  EXPECT_EQ(s.policy->rule_count(), 2U);
  EXPECT_TRUE(s.configured_methods.contains(auth_method::basic));
  EXPECT_FALSE(s.configured_methods.contains(auth_method::mtls));
  EXPECT_TRUE(s.audit.denials_only);
  EXPECT_EQ(s.audit.writer, nullptr);  // target "off"
}

TEST_F(AuthConfig, MinimalTable) {
  const load_result r = load("[auth]\n");
  ASSERT_TRUE(r.config.has_value()) << joined(r.errors);
  EXPECT_EQ(r.config->settings.realm, "ferry");
  EXPECT_EQ(r.config->settings.policy->rule_count(), 0U);
}

TEST_F(AuthConfig, BadTopLevelKeys) {
  expect_error("[auth]\ndefault = \"maybe\"\n", 2, "default");
  expect_error("[auth]\n\nrealm = \"\"\n", 3, "auth.realm");
  expect_error("[auth]\nrealm = 3\n", 2, "realm");
  expect_error("[auth]\nbogus = 1\n", 2, "unknown key 'auth.bogus'");
  expect_error("[auth]\napi_keys = 1\n", 2, "auth.api_keys");
}

TEST_F(AuthConfig, BadRules) {
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\n", 2, "missing 'action'");
  expect_error("[auth]\n[[auth.rules]]\naction = \"allow\"\n", 2, "missing 'path'");
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"permit\"\n", 4, "action");
  expect_error("[auth]\n[[auth.rules]]\npath = \"a\"\naction = \"allow\"\n", 3, "path");
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\nauth = [\"kerberos\"]\n", 5, "kerberos");
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\nroles_match = \"some\"\n", 5,
               "roles_match");
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\nmethods = [\"G T\"]\n", 5, "method");
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\ncolour = 1\n", 5,
               "unknown key 'auth.rules[0].colour'");
  // A method whose table is missing.
  expect_error("[auth]\n[[auth.rules]]\npath = \"/a\"\nauth = [\"jwt\"]\naction = \"allow\"\n", 2, "[auth.jwt]");
  // Duplicate names: the policy's own check.
  const load_result dup = load(
      "[auth]\n[[auth.rules]]\nname = \"x\"\npath = \"/a\"\naction = \"allow\"\n"
      "[[auth.rules]]\nname = \"x\"\npath = \"/b\"\naction = \"allow\"\n");
  EXPECT_FALSE(dup.config.has_value());
  EXPECT_EQ(dup.errors.size(), 1U) << joined(dup.errors);
}

TEST_F(AuthConfig, BadConditions) {
  const std::string head = "[auth]\n[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\n";
  expect_error(head + "when = { claim = \"a\" }\n", 5, "exactly one of equals, in, contains");
  expect_error(head + "when = { claim = \"a\", equals = \"b\", tenant = \"t\" }\n", 5, "exactly one of");
  expect_error(head + "when = { colour = \"red\" }\n", 5, "exactly one of");
  expect_error(head + "when = { claim = \"a\", equals = \"b\", extra = 1 }\n", 5, "unknown key");
  expect_error(head + "when = { client_address_in = [\"10.0.0.1/8\"] }\n", 5, "10.0.0.1/8");
  expect_error(head + "when = { time = { days = \"Funday\" } }\n", 5, "when.time");
  expect_error(head + "when = { time = { hours = \"9-5\" } }\n", 5, "when.time");
  expect_error(head + "when = { tls = \"yes\" }\n", 5, "tls");
  expect_error(head + "when = { header = \"X Env\", equals = \"a\" }\n", 5, "header name");
  expect_error(head + "when = { header = \"X-Env\" }\n", 5, "exactly one of equals, prefix");
  expect_error(head + "when = { all = [ { any = [ 1 ] } ] }\n", 5, "when.all[0].any[0]");
  expect_error(head + "when = \"always\"\n", 5, "when");
  std::string deep = "{ tls = true }";
  for (int i = 0; i < 12; ++i) deep = "{ not = " + deep + " }";
  expect_error(head + "when = " + deep + "\n", 5, "nest at most");
}

TEST_F(AuthConfig, BadCredentialTables) {
  expect_error("[auth]\n[auth.api_keys]\nheader = \"Authorization\"\n", 3, "other than Authorization");
  expect_error("[auth]\n[auth.api_keys]\nkeys = [ { id = \"ci\", hash = \"sha256:zz\" } ]\n", 3, "auth.api_keys.keys[0]");
  expect_error("[auth]\n[auth.api_keys]\nkeys = [ { id = \"ci\" } ]\n", 3, "missing 'hash'");
  expect_error("[auth]\n[auth.api_keys]\nkeys = [ { id = \"ci\", hash = \"" + hash + "\", owner = \"me\" } ]\n", 3,
               "unknown key 'auth.api_keys.keys[0].owner'");
  expect_error("[auth]\n[auth.api_keys]\n\nfile = \"" + dir.file("absent") + "\"\n", 4, "auth.api_keys.file");
  expect_error("[auth]\n[auth.jwt]\nkeys = [ { file = \"" + secret + "\", alg = \"none\" } ]\n", 3, "alg");
  expect_error("[auth]\n[auth.jwt]\nkeys = [ { file = \"" + secret + "\" } ]\n", 3, "missing 'alg'");
  expect_error("[auth]\n[auth.jwt]\n", 2, "at least one");
  expect_error("[auth]\n[auth.jwt]\nkeys = [ { file = \"" + dir.file("absent") + "\", alg = \"RS256\" } ]\n", 2,
               "auth.jwt");
  const std::string jwt = "[auth]\n[auth.jwt]\nkeys = [ { file = \"" + secret + "\", alg = \"HS256\" } ]\n";
  expect_error(jwt + "leeway = \"2h\"\n", 4, "leeway");
  expect_error(jwt + "leeway = 60\n", 4, "leeway");
  expect_error(jwt + "max_token_size = \"1MiB\"\n", 4, "max_token_size");
  expect_error(jwt + "cache_entries = -1\n", 4, "cache_entries");
  expect_error(jwt + "cache_ttl = \"0s\"\n", 4, "cache_ttl");
  expect_error(jwt + "roles_claim = \"\"\n", 4, "roles_claim");
  expect_error(jwt + "issuers = \"x\"\n", 4, "issuers");
  expect_error(jwt + "refresh = true\n", 4, "unknown key 'auth.jwt.refresh'");
  expect_error("[auth]\n[auth.basic]\nhtpasswd = \"" + dir.file("absent") + "\"\n", 3, "auth.basic.htpasswd");
  expect_error("[auth]\n[auth.basic]\n", 2, "missing 'htpasswd'");
  const std::string md5 = dir.write("md5", "u:$apr1$abc$def\n");
  expect_error("[auth]\n[auth.basic]\nhtpasswd = \"" + md5 + "\"\n", 3, "auth.basic.htpasswd");
  expect_error("[auth]\n[auth.signed_urls]\nfile = \"" + dir.file("absent") + "\"\n", 3, "auth.signed_urls.file");
  expect_error("[auth]\n[auth.signed_urls]\nfile = \"" + url_keys + "\"\nbind_client_ip = 1\n", 4, "bind_client_ip");
}

TEST_F(AuthConfig, BadAuditTable) {
  expect_error("[auth]\n[auth.audit]\nevents = \"some\"\n", 3, "events");
  expect_error("[auth]\n[auth.audit]\nqueue_full = \"wait\"\n", 3, "queue_full");
  expect_error("[auth]\n[auth.audit]\nqueue_size = 0\n", 3, "queue_size");
  expect_error("[auth]\n[auth.audit]\ntarget = \"\"\n", 3, "target");
  expect_error("[auth]\n[auth.audit]\nhash_chain = \"yes\"\n", 3, "hash_chain");
  expect_error("[auth]\n[auth.audit]\nformat = \"json\"\n", 3, "unknown key 'auth.audit.format'");
  expect_error("[auth]\n[auth.audit]\ntarget = \"" + dir.file("no/such/dir/audit.log") + "\"\n", 3,
               "auth.audit.target");
}

TEST_F(AuthConfig, EveryProblemIsReportedInOnePass) {
  const load_result r = load("[auth]\ndefault = \"x\"\nbogus = 1\n[[auth.rules]]\npath = \"/a\"\naction = \"nope\"\n");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(r.errors.size(), 3U) << joined(r.errors);
}

}  // namespace
}  // namespace ferry
