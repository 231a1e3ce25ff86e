// The auth module end to end below the core: an [auth] table (TOML text) with real key,
// htpasswd and signing-key files, then checkers deciding synthetic requests.
#include <crypt.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "credential_test_support.hpp"
#include "jwt_test_support.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/auth_access_control.hpp"
#include "modules/auth/auth_config.hpp"
#include "modules/auth/signed_url.hpp"
#include "modules/module_registry.hpp"
#include "policy_test_support.hpp"

namespace ferry {

void register_auth_module(module_registry& registry);

namespace {

using credential_test::temp_dir;

constexpr std::int64_t now_unix = 1'800'000'000;  // 2027-01-15
const std::string hs_secret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string url_secret_text = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const std::string good_key = "ci-key-0123456789abcdefghijklmnopqrstuvwxyz";

std::string make_hash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$6$", 5000, nullptr, 0, setting, sizeof setting) == nullptr) return {};
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, static_cast<int>(sizeof data));
  return hash == nullptr ? std::string() : std::string(hash);
}

std::string hs256_token(std::string_view payload) {
  return jwt_test::mint(jwt_test::header_for(jwt_algorithm::hs256, "k1"), payload, jwt_algorithm::hs256, nullptr,
                        hs_secret);
}

std::string claims(std::string_view sub, std::string_view roles, std::int64_t exp = now_unix + 600,
                   std::string_view extra = {}) {
  std::string json = "{\"iss\":\"https://issuer.example\",\"aud\":\"ferry\",\"sub\":\"" + std::string(sub) +
                     "\",\"exp\":" + std::to_string(exp) + ",\"roles\":" + std::string(roles);
  if (!extra.empty()) json += "," + std::string(extra);
  return json + "}";
}

struct test_request {
  std::string method = "GET";
  std::string path = "/";
  std::string query;
  std::string remote = "192.0.2.10";
  std::vector<std::pair<std::string, std::string>> header_storage;
  request req;
  request_identity identity;
  access_request in;

  test_request(std::string p, std::vector<std::pair<std::string, std::string>> headers = {}, std::string q = {})
      : path(std::move(p)), query(std::move(q)), header_storage(std::move(headers)) {}

  const access_request& build() {
    req.method_name = method;
    req.path = path;
    req.query = query;
    req.has_query = !query.empty();
    req.clear_headers();
    for (const auto& [name, value] : header_storage) req.add_header(name, value);
    in.req = &req;
    in.path = path;
    in.remote_address = remote;
    in.vhost = "example.com";
    in.identity = &identity;
    return in;
  }
};

class AuthModule : public ::testing::Test {
 protected:
  temp_dir dir;
  std::string jwt_secret_file;
  std::string api_key_file;
  std::string htpasswd_file;
  std::string url_key_file;
  std::string audit_file;

  void SetUp() override {
    jwt_secret_file = dir.write("hs256.secret", hs_secret + "\n");
    api_key_file = dir.write("api-keys", "file-key " + hash_api_key("file-key-secret-0123456789abcdefghij") +
                                             " roles=reader\n");
    htpasswd_file = dir.write("htpasswd", "carol:" + make_hash("s3cret pass") + "\n");
    url_key_file = dir.write("url-keys", "u1 " + url_secret_text + "\n");
    audit_file = dir.file("audit.log");
  }

  std::string config_text(std::string_view extra_top = {}, std::string_view audit = {}) const {
    std::string text = "[auth]\nrealm = \"files\"\n";
    text += extra_top;
    text += "\n[auth.api_keys]\nheader = \"X-API-Key\"\nfile = \"" + api_key_file +
            "\"\nkeys = [ { id = \"ci\", hash = \"" + hash_api_key(good_key) +
            "\", roles = [\"deploy\"], expires = \"2030-01-01T00:00:00Z\" },"
            " { id = \"old\", hash = \"" + hash_api_key("old-key-0123456789abcdefghijklmnopqrst") +
            "\", roles = [\"deploy\"], expires = \"2020-01-01T00:00:00Z\" } ]\n";
    text += "\n[auth.jwt]\nkeys = [ { file = \"" + jwt_secret_file +
            "\", alg = \"HS256\", kid = \"k1\" } ]\nissuers = [\"https://issuer.example\"]\n"
            "audiences = [\"ferry\"]\nleeway = \"60s\"\nrequired_claims = [\"sub\"]\nroles_claim = \"roles\"\n"
            "max_token_size = \"8KiB\"\ncache_entries = 16\ncache_ttl = \"5m\"\n";
    text += "\n[auth.basic]\nhtpasswd = \"" + htpasswd_file + "\"\n";
    text += "\n[auth.signed_urls]\nfile = \"" + url_key_file + "\"\nbind_client_ip = false\n";
    text += audit;
    text += R"(
[[auth.rules]]
name = "public"
path = "/public/**"
action = "allow"

[[auth.rules]]
name = "private"
path = "/private/**"
methods = ["GET", "HEAD"]
auth = ["jwt", "api_key"]
roles = ["reader", "deploy"]
action = "allow"

[[auth.rules]]
name = "ops"
path = "/ops/**"
auth = ["jwt"]
action = "authenticate"
when = { all = [ { claim = "dept", equals = "ops" }, { client_address_in = ["192.0.2.0/24"] } ] }

[[auth.rules]]
name = "basic"
path = "/basic/**"
auth = ["basic"]
action = "authenticate"

[[auth.rules]]
name = "downloads"
path = "/dl/**"
auth = ["signed_url"]
action = "authenticate"
)";
    return text;
  }

  std::shared_ptr<auth_access_control> make(const std::string& text) {
    config_error_sink errors("ferry.toml");
    toml::table table = toml::parse(text, std::string("ferry.toml"));
    auto config = load_auth_config(*table.get("auth")->as_table(), errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.messages().front());
    if (!config) return nullptr;
    return std::make_shared<auth_access_control>(std::move(*config), [this] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(*clock));
    });
  }

  access_decision run(access_checker& checker, test_request& r) {
    access_decision out;
    checker.check(r.build(), out);
    return out;
  }

  std::shared_ptr<std::int64_t> clock = std::make_shared<std::int64_t>(now_unix);
};

TEST_F(AuthModule, PublicPathNeedsNoCredentials) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request r("/public/a.txt");
  const access_decision d = run(*checker, r);
  EXPECT_EQ(d.status, 0);
  EXPECT_TRUE(d.challenges.empty());
  EXPECT_EQ(d.principal, "");
}

TEST_F(AuthModule, ProtectedPathWithoutCredentialsIs401WithBearerChallenge) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request r("/private/a.txt");
  const access_decision d = run(*checker, r);
  EXPECT_EQ(d.status, 401);
  ASSERT_EQ(d.challenges.size(), 1U);
  EXPECT_EQ(d.challenges[0], "Bearer realm=\"files\"");
}

TEST_F(AuthModule, BadTokenIs401WithInvalidToken) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  std::string forged = hs256_token(claims("alice", "[\"reader\"]"));
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (const std::string& value : {"Bearer " + forged, std::string("Bearer a.b.c"), std::string("Bearer "),
                                   std::string("Bearer not-a-known-key")}) {
    test_request r("/private/a.txt", {{"Authorization", value}});
    const access_decision d = run(*checker, r);
    EXPECT_EQ(d.status, 401) << value;
    ASSERT_EQ(d.challenges.size(), 1U) << value;
    EXPECT_EQ(d.challenges[0], "Bearer realm=\"files\", error=\"invalid_token\"") << value;
    EXPECT_EQ(d.principal, "");
  }
}

TEST_F(AuthModule, ValidJwtWithRoleIsAllowedAsItsSubject) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string token = hs256_token(claims("alice", "[\"reader\"]"));
  for (int i = 0; i < 2; ++i) {  // the second one comes from the worker's cache
    test_request r("/private/a.txt", {{"Authorization", "Bearer " + token}});
    const access_decision d = run(*checker, r);
    EXPECT_EQ(d.status, 0);
    EXPECT_EQ(d.principal, "alice");
  }
  // A role as a plain string claim counts too.
  test_request r("/private/a.txt", {{"authorization", "bearer " + hs256_token(claims("bob", "\"deploy\""))}});
  EXPECT_EQ(run(*checker, r).status, 0);
}

TEST_F(AuthModule, CachedTokenCountsOnlyForItsExactBytes) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string token = hs256_token(claims("alice", "[\"reader\"]"));
  test_request first("/private/a.txt", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(run(*checker, first).status, 0);  // verified, now cached
  // The same token however the header spaces it: still alice.
  for (const std::string& value : {"Bearer " + token, "bearer   " + token, "BEARER " + token + "  \t"}) {
    test_request r("/private/a.txt", {{"Authorization", value}});
    const access_decision d = run(*checker, r);
    EXPECT_EQ(d.status, 0) << value;
    EXPECT_EQ(d.principal, "alice") << value;
  }
  // Anything else is not the cached token: a byte changed, cut short, extended, characters a
  // token cannot have.
  std::string changed = token;
  changed[changed.size() / 2] = changed[changed.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& value :
       {"Bearer " + changed, "Bearer " + token.substr(0, token.size() - 1), "Bearer " + token + "A",
        "Bearer " + token + "!", "Bearer " + token + " x", "Bearer\t" + token, "Bearer" + token,
        "Bearer " + token + "\n"}) {
    test_request r("/private/a.txt", {{"Authorization", value}});
    const access_decision d = run(*checker, r);
    EXPECT_NE(d.status, 0) << value;
    EXPECT_EQ(d.principal, "") << value;
  }
  // Twice, even when both are the cached token: ambiguous.
  test_request twice("/private/a.txt", {{"Authorization", "Bearer " + token}, {"Authorization", "Bearer " + token}});
  EXPECT_EQ(run(*checker, twice).status, 401);
}

TEST_F(AuthModule, CachedPrincipalsStayApart) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string alice = hs256_token(claims("alice", "[\"reader\"]"));
  const std::string bob = hs256_token(claims("bob", "[\"guest\"]"));  // no role for /private
  const std::string olga = hs256_token(claims("olga", "[]", now_unix + 600, "\"dept\":\"ops\""));
  for (int round = 0; round < 3; ++round) {  // the first round verifies, the others hit the cache
    test_request a("/private/a.txt", {{"Authorization", "Bearer " + alice}});
    access_decision d = run(*checker, a);
    EXPECT_EQ(d.status, 0);
    EXPECT_EQ(d.principal, "alice");
    test_request b("/private/a.txt", {{"Authorization", "Bearer " + bob}});
    d = run(*checker, b);
    EXPECT_EQ(d.status, 403);
    EXPECT_EQ(d.principal, "bob");
    test_request o("/ops/x", {{"Authorization", "Bearer " + olga}});  // a claim condition
    d = run(*checker, o);
    EXPECT_EQ(d.status, 0);
    EXPECT_EQ(d.principal, "olga");
    test_request a_ops("/ops/x", {{"Authorization", "Bearer " + alice}});
    EXPECT_EQ(run(*checker, a_ops).status, 403);
    test_request anonymous("/private/a.txt");
    d = run(*checker, anonymous);
    EXPECT_EQ(d.status, 401);
    EXPECT_EQ(d.principal, "");
  }
  // A cached token next to a bad API key is still refused: the wrong credential wins.
  test_request mixed("/private/a.txt", {{"Authorization", "Bearer " + alice}, {"X-API-Key", "nope"}});
  const access_decision d = run(*checker, mixed);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.principal, "");
  // The token expires while cached: refused once the clock passes exp + leeway.
  *clock = now_unix + 600 + 60;
  test_request late("/private/a.txt", {{"Authorization", "Bearer " + alice}});
  EXPECT_EQ(run(*checker, late).status, 401);
}

TEST_F(AuthModule, CachedJwtBesideAClientCertificateKeepsBoth) {
  const std::string audit =
      "\n[auth.audit]\ntarget = \"" + audit_file + "\"\nevents = \"all\"\nqueue_full = \"block\"\n";
  auto control = make(config_text({}, audit));
  ASSERT_TRUE(control);
  {
    auto checker = control->make_checker();
    tls_peer_info peer;
    peer.client_verified = true;
    peer.client = std::make_unique<tls_client_names>();
    peer.client->subject = "CN=svc,O=Example";
    const std::string token = hs256_token(claims("alice", "[\"reader\"]"));
    for (int i = 0; i < 2; ++i) {  // verified, then from the cache
      test_request r("/private/a.txt", {{"Authorization", "Bearer " + token}});
      r.build();
      r.in.tls = &peer;
      access_decision d;
      checker->check(r.in, d);
      EXPECT_EQ(d.status, 0);
      EXPECT_EQ(d.principal, "alice");
    }
    test_request plain("/private/a.txt", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(run(*checker, plain).principal, "alice");
    control->settings().audit.writer->flush();
  }
  const auto lines = policy_test::parse_json_lines(audit_file);
  ASSERT_EQ(lines.size(), 3U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(lines[i].at("auth"), "jwt");
    EXPECT_EQ(lines[i].at("subject"), "alice");
    EXPECT_EQ(lines[i].at("cert_subject"), "CN=svc,O=Example");
  }
  EXPECT_EQ(lines[2].at("subject"), "alice");
  EXPECT_EQ(lines[2].count("cert_subject") == 0 || lines[2].at("cert_subject").empty(), true);
}

TEST_F(AuthModule, ValidJwtWithoutRoleIs403) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request r("/private/a.txt", {{"Authorization", "Bearer " + hs256_token(claims("alice", "[\"guest\"]"))}});
  const access_decision d = run(*checker, r);
  EXPECT_EQ(d.status, 403);
  EXPECT_TRUE(d.challenges.empty());
  EXPECT_EQ(d.principal, "alice");
}

TEST_F(AuthModule, ExpiredJwtIs401) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request r("/private/a.txt",
                 {{"Authorization", "Bearer " + hs256_token(claims("alice", "[\"reader\"]", now_unix - 61))}});
  const access_decision d = run(*checker, r);
  EXPECT_EQ(d.status, 401);
  ASSERT_EQ(d.challenges.size(), 1U);
  EXPECT_NE(d.challenges[0].find("invalid_token"), std::string::npos);
}

TEST_F(AuthModule, ConditionOnClaimAndAddress) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string ops = hs256_token(claims("olga", "[]", now_unix + 600, "\"dept\":\"ops\""));
  const std::string dev = hs256_token(claims("dan", "[]", now_unix + 600, "\"dept\":\"dev\""));
  test_request good("/ops/x", {{"Authorization", "Bearer " + ops}});
  EXPECT_EQ(run(*checker, good).status, 0);
  test_request elsewhere("/ops/x", {{"Authorization", "Bearer " + ops}});
  elsewhere.remote = "198.51.100.1";
  EXPECT_EQ(run(*checker, elsewhere).status, 403);
  test_request wrong_dept("/ops/x", {{"Authorization", "Bearer " + dev}});
  EXPECT_EQ(run(*checker, wrong_dept).status, 403);
  test_request anonymous("/ops/x");
  EXPECT_EQ(run(*checker, anonymous).status, 401);
}

TEST_F(AuthModule, ApiKeys) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request header("/private/a", {{"X-API-Key", good_key}});
  access_decision d = run(*checker, header);
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "ci");
  test_request bearer("/private/a", {{"Authorization", "Bearer " + good_key}});
  EXPECT_EQ(run(*checker, bearer).status, 0);
  test_request from_file("/private/a", {{"X-API-Key", "file-key-secret-0123456789abcdefghij"}});
  d = run(*checker, from_file);
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "file-key");
  test_request expired("/private/a", {{"X-API-Key", "old-key-0123456789abcdefghijklmnopqrst"}});
  d = run(*checker, expired);
  EXPECT_EQ(d.status, 401);
  ASSERT_EQ(d.challenges.size(), 1U);
  EXPECT_EQ(d.challenges[0], "Bearer realm=\"files\", error=\"invalid_token\"");
  test_request unknown("/private/a", {{"X-API-Key", "nope"}});
  EXPECT_EQ(run(*checker, unknown).status, 401);
  test_request twice("/private/a", {{"X-API-Key", good_key}, {"X-API-Key", good_key}});
  EXPECT_EQ(run(*checker, twice).status, 401);
  // A good key next to a bad token: the request is not served as "ci".
  test_request mixed("/private/a", {{"X-API-Key", good_key}, {"Authorization", "Bearer x.y.z"}});
  d = run(*checker, mixed);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.principal, "");
}

TEST_F(AuthModule, BasicWithHtpasswd) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request good("/basic/x", {{"Authorization", "Basic Y2Fyb2w6czNjcmV0IHBhc3M="}});  // carol:s3cret pass
  access_decision d = run(*checker, good);
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "carol");
  test_request wrong("/basic/x", {{"Authorization", "Basic Y2Fyb2w6d3Jvbmc="}});  // carol:wrong
  d = run(*checker, wrong);
  EXPECT_EQ(d.status, 401);
  ASSERT_EQ(d.challenges.size(), 1U);
  EXPECT_EQ(d.challenges[0], "Basic realm=\"files\", charset=\"UTF-8\"");
  test_request none("/basic/x");
  d = run(*checker, none);
  EXPECT_EQ(d.status, 401);
  ASSERT_EQ(d.challenges.size(), 1U);
  EXPECT_EQ(d.challenges[0], "Basic realm=\"files\", charset=\"UTF-8\"");
  test_request junk("/basic/x", {{"Authorization", "Basic !!!"}});
  EXPECT_EQ(run(*checker, junk).status, 401);
  // A bearer token is not a credential for a Basic-only path.
  test_request bearer("/basic/x", {{"Authorization", "Bearer " + good_key}});
  EXPECT_EQ(run(*checker, bearer).status, 401);
}

TEST_F(AuthModule, SignedUrls) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string secret = *decode_url_signing_secret(url_secret_text);
  test_request good("/dl/report.pdf", {}, sign_url("/dl/report.pdf", now_unix + 60, "u1", secret));
  access_decision d = run(*checker, good);
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "u1");
  // Expired, or signed for another path: refused; no challenge exists for links, so 403.
  test_request expired("/dl/report.pdf", {}, sign_url("/dl/report.pdf", now_unix - 1, "u1", secret));
  d = run(*checker, expired);
  EXPECT_EQ(d.status, 403);
  EXPECT_TRUE(d.challenges.empty());
  test_request other("/dl/other.pdf", {}, sign_url("/dl/report.pdf", now_unix + 60, "u1", secret));
  EXPECT_EQ(run(*checker, other).status, 403);
  test_request none("/dl/report.pdf");
  EXPECT_EQ(run(*checker, none).status, 403);
}

TEST_F(AuthModule, DefaultDenyAndDefaultAllow) {
  auto allow = make(config_text());
  ASSERT_TRUE(allow);
  test_request r("/elsewhere");
  EXPECT_EQ(run(*allow->make_checker(), r).status, 0);
  auto deny = make(config_text("default = \"deny\"\n"));
  ASSERT_TRUE(deny);
  const access_decision d = run(*deny->make_checker(), r);
  EXPECT_EQ(d.status, 403);
  EXPECT_TRUE(d.challenges.empty());
}

TEST_F(AuthModule, ClientCertificateIsVisibleAndMtlsAuthenticates) {
  const std::string text = config_text("default = \"deny\"\n") + R"(
[[auth.rules]]
path = "/mtls/**"
auth = ["mtls"]
action = "authenticate"
)";
  auto control = make(text);
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  tls_peer_info peer;
  peer.client_verified = true;
  peer.client = std::make_unique<tls_client_names>();
  peer.client->subject = "CN=svc,O=Example";
  test_request r("/mtls/x");
  r.build();
  r.in.tls = &peer;
  access_decision d;
  checker->check(r.in, d);
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "CN=svc,O=Example");
  peer.client_verified = false;
  checker->check(r.in, d);
  EXPECT_EQ(d.status, 403);
}

TEST_F(AuthModule, AuditEventsAreJsonLines) {
  const std::string audit = "\n[auth.audit]\ntarget = \"" + audit_file +
                            "\"\nevents = \"all\"\nhash_chain = true\nqueue_full = \"block\"\nqueue_size = 64\n";
  auto control = make(config_text({}, audit));
  ASSERT_TRUE(control);
  {
    auto checker = control->make_checker();
    test_request allowed("/private/a", {{"X-API-Key", good_key}});
    allowed.method = "HEAD";
    run(*checker, allowed);
    test_request denied("/private/\"quoted\"", {{"Authorization", "Bearer bogus"}});
    run(*checker, denied);
    control->settings().audit.writer->flush();
  }
  const auto lines = policy_test::parse_json_lines(audit_file);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].at("event"), "authorization");
  EXPECT_EQ(lines[0].at("method"), "HEAD");
  EXPECT_EQ(lines[0].at("auth"), "api_key");
  EXPECT_EQ(lines[0].at("subject"), "ci");
  EXPECT_EQ(lines[0].at("decision"), "allow");
  EXPECT_EQ(lines[0].at("rule"), "private");
  EXPECT_EQ(lines[0].at("remote"), "192.0.2.10");
  EXPECT_EQ(lines[1].at("path"), "/private/\"quoted\"");
  EXPECT_EQ(lines[1].at("auth"), "rejected");
  EXPECT_EQ(lines[1].at("status"), "401");
  EXPECT_EQ(lines[1].at("outcome"), "unauthenticated");
  EXPECT_EQ(lines[0].at("prev"), std::string(64, '0'));
}

TEST_F(AuthModule, AuditDenialsOnly) {
  const std::string audit = "\n[auth.audit]\ntarget = \"" + audit_file + "\"\nevents = \"denials\"\n";
  auto control = make(config_text({}, audit));
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  test_request allowed("/public/a");
  run(*checker, allowed);
  test_request denied("/private/a");
  run(*checker, denied);
  control->settings().audit.writer->flush();
  const auto lines = policy_test::parse_json_lines(audit_file);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].at("path"), "/private/a");
}

TEST_F(AuthModule, ReloadPicksUpChangedFiles) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string new_key = "rotated-key-0123456789abcdefghijklmnopq";
  test_request r("/private/a", {{"X-API-Key", new_key}});
  EXPECT_EQ(run(*checker, r).status, 401);
  EXPECT_TRUE(control->reload_changed_files().empty());  // nothing changed yet

  dir.write("api-keys", "rotated " + hash_api_key(new_key) + " roles=reader\n");
  EXPECT_TRUE(control->reload_changed_files().empty());
  access_decision d = run(*checker, r);  // the same checker sees the new set
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.principal, "rotated");
  test_request old_file_key("/private/a", {{"X-API-Key", "file-key-secret-0123456789abcdefghij"}});
  EXPECT_EQ(run(*checker, old_file_key).status, 401);
  test_request config_key("/private/a", {{"X-API-Key", good_key}});
  EXPECT_EQ(run(*checker, config_key).status, 0);  // keys in ferry.toml stay

  // A broken file is reported and the previous keys keep serving.
  dir.write("api-keys", "broken line\n");
  const auto problems = control->reload_changed_files();
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("auth.api_keys.file"), std::string::npos);
  EXPECT_EQ(run(*checker, r).status, 0);
  EXPECT_TRUE(control->reload_changed_files().empty());  // reported once, not on every poll

  // htpasswd and the JWT secret too.
  dir.write("htpasswd", "dave:" + make_hash("pw") + "\n");
  const std::string other_secret = "another-secret-of-enough-length-0123456789";
  dir.write("hs256.secret", other_secret + "\n");
  EXPECT_TRUE(control->reload_changed_files().empty());
  test_request dave("/basic/x", {{"Authorization", "Basic ZGF2ZTpwdw=="}});  // dave:pw
  EXPECT_EQ(run(*checker, dave).status, 0);
  test_request old_token("/private/a", {{"Authorization", "Bearer " + hs256_token(claims("alice", "[\"reader\"]"))}});
  EXPECT_EQ(run(*checker, old_token).status, 401);  // also not from the cache
  const std::string new_token = jwt_test::mint(jwt_test::header_for(jwt_algorithm::hs256, "k1"),
                                               claims("alice", "[\"reader\"]"), jwt_algorithm::hs256, nullptr,
                                               other_secret);
  test_request fresh("/private/a", {{"Authorization", "Bearer " + new_token}});
  EXPECT_EQ(run(*checker, fresh).status, 0);
}

TEST_F(AuthModule, RegisteredModuleInstallsAccessOnlyWithTable) {
  module_registry registry;
  register_auth_module(registry);
  ASSERT_EQ(registry.modules().size(), 1U);
  EXPECT_EQ(registry.modules()[0].name, "auth");
  EXPECT_EQ(registry.modules()[0].table, "auth");
  config_error_sink errors("ferry.toml");
  pipeline_extensions out;
  registry.modules()[0].configure(nullptr, errors, out);
  EXPECT_EQ(out.access, nullptr);
  toml::table table = toml::parse(config_text(), std::string("ferry.toml"));
  registry.modules()[0].configure(table.get("auth")->as_table(), errors, out);
  EXPECT_TRUE(errors.empty());
  ASSERT_NE(out.access, nullptr);
  auto checker = out.access->make_checker();
  test_request r("/private/a", {{"X-API-Key", good_key}});
  EXPECT_EQ(run(*checker, r).status, 0);
}

TEST_F(AuthModule, HostileRequestsAreRefusedNotCrashed) {
  auto control = make(config_text());
  ASSERT_TRUE(control);
  auto checker = control->make_checker();
  const std::string huge(100000, 'a');
  for (const std::string& value : {"Bearer " + huge, "Bearer " + huge + "." + huge + "." + huge, "Basic " + huge,
                                   std::string("Bearer \xff\xfe.\x01.\x02"), std::string("Bearer"),
                                   std::string(""), std::string(" ")}) {
    test_request r("/private/a", {{"Authorization", value}});
    const access_decision d = run(*checker, r);
    EXPECT_NE(d.status, 0);
  }
  access_request empty;  // no request at all
  access_decision d;
  checker->check(empty, d);
  EXPECT_EQ(d.status, 0);  // "" path matches no rule: default allow
}

}  // namespace
}  // namespace ferry
