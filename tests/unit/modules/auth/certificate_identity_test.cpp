// Mapping verified client certificates to identities: first match wins, prefixes end in '*',
// DNS names fold case, unmapped certificates follow `unmapped`; the [auth.mtls] table reports
// every mistake with its line.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <toml++/toml.h>

#include "modules/auth/auth_config.hpp"
#include "modules/auth/certificate_identity.hpp"

namespace ferry {
namespace {

tls_peer_info peer(std::string subject) {
  tls_peer_info p;
  p.client_verified = true;
  p.client = std::make_unique<tls_client_names>();
  p.client->subject = std::move(subject);
  return p;
}

certificate_identity_rule rule(certificate_field field, std::string pattern, std::string principal,
                               std::vector<std::string> roles, std::string tenant = {}) {
  return {field, std::move(pattern), std::move(principal), std::move(roles), std::move(tenant)};
}

TEST(CertificateIdentity, FirstMatchingRuleDecides) {
  const certificate_identity_map map(
      {rule(certificate_field::uri, "spiffe://ferry.test/ns/prod/*", "", {"operator"}, "prod"),
       rule(certificate_field::email, "carol@ferry.test", "carol", {"reader"}),
       rule(certificate_field::uri, "spiffe://ferry.test/*", "any-workload", {"guest"})},
      false);
  tls_peer_info p = peer("CN=deployer");
  p.client->uris = {"https://unrelated.test/", "spiffe://ferry.test/ns/prod/sa/deployer"};
  certificate_identity id;
  ASSERT_TRUE(map.resolve(p, id));
  EXPECT_EQ(id.principal, "spiffe://ferry.test/ns/prod/sa/deployer");
  EXPECT_EQ(id.roles, std::vector<std::string>{"operator"});
  EXPECT_EQ(id.tenant, "prod");

  p.client->uris = {"spiffe://ferry.test/ns/staging/sa/deployer"};
  ASSERT_TRUE(map.resolve(p, id));
  EXPECT_EQ(id.principal, "any-workload");
  EXPECT_EQ(id.roles, std::vector<std::string>{"guest"});
  EXPECT_EQ(id.tenant, "");

  tls_peer_info carol = peer("CN=Carol");
  carol.client->emails = {"carol@ferry.test"};
  ASSERT_TRUE(map.resolve(carol, id));
  EXPECT_EQ(id.principal, "carol");
}

TEST(CertificateIdentity, ExactPatternsAreExact) {
  const certificate_identity_map map({rule(certificate_field::subject, "CN=alice,O=Example", "alice", {"a"}),
                                      rule(certificate_field::email, "bob@ferry.test", "bob", {"b"})},
                                     true);
  certificate_identity id;
  EXPECT_TRUE(map.resolve(peer("CN=alice,O=Example"), id));
  EXPECT_FALSE(map.resolve(peer("CN=alice,O=Example2"), id));
  EXPECT_FALSE(map.resolve(peer("cn=alice,O=Example"), id));  // subjects compare exactly
  EXPECT_FALSE(map.resolve(peer("CN=alice"), id));
  tls_peer_info p = peer("CN=x");
  p.client->emails = {"BOB@ferry.test"};  // email local parts are case-sensitive
  EXPECT_FALSE(map.resolve(p, id));
  p.client->dns_names = {"bob@ferry.test"};  // the right value in the wrong field
  EXPECT_FALSE(map.resolve(p, id));
}

TEST(CertificateIdentity, DnsNamesFoldCase) {
  const certificate_identity_map map({rule(certificate_field::dns, "api.ferry.test", "", {"svc"}),
                                      rule(certificate_field::dns, "Worker-*", "", {"worker"})},
                                     true);
  tls_peer_info p = peer("CN=x");
  p.client->dns_names = {"API.Ferry.Test"};
  certificate_identity id;
  ASSERT_TRUE(map.resolve(p, id));
  EXPECT_EQ(id.principal, "API.Ferry.Test");
  p.client->dns_names = {"worker-7.internal"};
  ASSERT_TRUE(map.resolve(p, id));
  EXPECT_EQ(id.roles, std::vector<std::string>{"worker"});
  p.client->dns_names = {"worke"};  // shorter than the prefix
  EXPECT_FALSE(map.resolve(p, id));
}

TEST(CertificateIdentity, UnmappedCertificates) {
  const std::vector<certificate_identity_rule> rules = {rule(certificate_field::uri, "spiffe://a/*", "", {"r"})};
  certificate_identity id{"stale", {"stale-role"}, "stale-tenant"};
  EXPECT_TRUE(certificate_identity_map(rules, false).resolve(peer("CN=someone,O=Org"), id));
  EXPECT_EQ(id.principal, "CN=someone,O=Org");
  EXPECT_TRUE(id.roles.empty());
  EXPECT_TRUE(id.tenant.empty());
  EXPECT_FALSE(certificate_identity_map(rules, true).resolve(peer("CN=someone,O=Org"), id));
  // No rules at all: every verified certificate is its subject (the default).
  EXPECT_TRUE(certificate_identity_map().resolve(peer("CN=z"), id));
  EXPECT_EQ(id.principal, "CN=z");
}

TEST(CertificateIdentity, PatternChecks) {
  EXPECT_EQ(certificate_identity_map::check_pattern("spiffe://x/*"), "");
  EXPECT_EQ(certificate_identity_map::check_pattern("CN=a"), "");
  EXPECT_NE(certificate_identity_map::check_pattern(""), "");
  EXPECT_NE(certificate_identity_map::check_pattern("*"), "");
  EXPECT_NE(certificate_identity_map::check_pattern("a*b"), "");
  EXPECT_NE(certificate_identity_map::check_pattern("**"), "");
  EXPECT_NE(certificate_identity_map::check_pattern(std::string("a\0b", 3)), "");
  EXPECT_NE(certificate_identity_map::check_pattern("a\nb"), "");
}

std::vector<std::string> config_errors(const std::string& text) {
  config_error_sink errors("ferry.toml");
  toml::table table = toml::parse(text, std::string("ferry.toml"));
  const auto config = load_auth_config(*table.get("auth")->as_table(), errors);
  EXPECT_EQ(config.has_value(), errors.messages().empty());
  return errors.messages();
}

TEST(CertificateIdentityConfig, AcceptsAndRefuses) {
  EXPECT_TRUE(config_errors(R"([auth.mtls]
unmapped = "reject"
[[auth.mtls.identities]]
uri = "spiffe://ferry.test/*"
principal = "w"
roles = ["r"]
tenant = "t"
[[auth.mtls.identities]]
subject = "CN=a"
)")
                  .empty());
  const auto check = [](const std::string& text, int line, const std::string& needle) {
    const auto errors = config_errors(text);
    ASSERT_EQ(errors.size(), 1U) << text;
    EXPECT_EQ(errors[0].rfind("ferry.toml:" + std::to_string(line) + ":", 0), 0U) << errors[0];
    EXPECT_NE(errors[0].find(needle), std::string::npos) << errors[0];
  };
  check("[auth.mtls]\nunmapped = \"allow\"\n", 2, "unmapped");
  check("[auth.mtls]\n[[auth.mtls.identities]]\nroles = [\"r\"]\n", 2, "exactly one of");
  check("[auth.mtls]\n[[auth.mtls.identities]]\nuri = \"a\"\ndns = \"b\"\n", 2, "exactly one of");
  check("[auth.mtls]\n[[auth.mtls.identities]]\nuri = \"*\"\n", 3, "must not be empty");
  check("[auth.mtls]\n[[auth.mtls.identities]]\ndns = \"*.example\"\n", 3, "'*' may only end");
  check("[auth.mtls]\n[[auth.mtls.identities]]\nemail = \"a@b\"\nrole = [\"x\"]\n", 4, "unknown key");
  check("[auth.mtls]\nidentity = []\n", 2, "unknown key");
}

}  // namespace
}  // namespace ferry
