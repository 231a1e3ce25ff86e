// Authorization rules: order and first match, vhost defaults, methods, roles, credential
// methods per path, conditions on rules, the 401-versus-403 outcome, config validation, and
// hostile requests (very long paths, many headers).
#include "modules/auth/authorization_policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::test_request;
using policy_test::user;

policy_rule_spec rule(std::string name, std::string path, rule_action action) {
  policy_rule_spec r;
  r.name = std::move(name);
  r.path = std::move(path);
  r.action = action;
  return r;
}

authorization_policy build(policy_spec spec) {
  auto built = authorization_policy::build(std::move(spec));
  EXPECT_TRUE(built) << built.error;
  return std::move(built.value);
}

// Both ways of deciding: from scratch, and from the matches credential_methods recorded (what
// the checker does). Every test below checks that they agree.
authorization_decision decide(const authorization_policy& policy, const principal& who, test_request r) {
  const request_attributes attributes = r.attributes();
  const authorization_decision plain = policy.decide(who, attributes);
  policy_matches matches;
  matches.rules.push_back(12345);  // stale contents must not matter
  EXPECT_EQ(policy.credential_methods(attributes, matches), policy.credential_methods(attributes));
  const authorization_decision recorded = policy.decide(who, attributes, matches);
  EXPECT_EQ(recorded.allowed, plain.allowed);
  EXPECT_EQ(recorded.status, plain.status);
  EXPECT_EQ(recorded.outcome, plain.outcome);
  EXPECT_EQ(recorded.source, plain.source);
  EXPECT_EQ(recorded.rule_index, plain.rule_index);
  EXPECT_EQ(recorded.rule_name, plain.rule_name);
  EXPECT_EQ(recorded.reason, plain.reason);
  EXPECT_EQ(recorded.challenge, plain.challenge);
  return plain;
}

test_request get(std::string path) {
  test_request r;
  r.path = std::move(path);
  return r;
}

TEST(authorization_policy, first_matching_rule_wins) {
  policy_spec spec;
  spec.rules.push_back(rule("public-deny", "/public/secret.txt", rule_action::deny));
  spec.rules.push_back(rule("public", "/public/**", rule_action::allow));
  spec.rules.push_back(rule("public-again", "/public/**", rule_action::deny));
  const auto policy = build(std::move(spec));

  auto d = decide(policy, principal{}, get("/public/a/b.css"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.source, decision_source::rule);
  EXPECT_EQ(d.rule_index, 1);
  EXPECT_EQ(d.rule_name, "public");

  d = decide(policy, principal{}, get("/public/secret.txt"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.rule_index, 0);
  EXPECT_EQ(d.rule_name, "public-deny");
  EXPECT_EQ(d.outcome, authorization_outcome::forbidden);
}

TEST(authorization_policy, defaults_global_and_per_vhost) {
  policy_spec spec;
  spec.rules.push_back(rule("", "/blocked/**", rule_action::deny));
  spec.default_action = rule_action::deny;
  spec.vhost_defaults.push_back({"Open.Example", rule_action::allow});
  const auto policy = build(std::move(spec));

  auto d = decide(policy, principal{}, get("/index.html"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.source, decision_source::vhost_default);
  EXPECT_EQ(d.rule_index, -1);
  EXPECT_EQ(d.rule_name, "");

  test_request open = get("/index.html");
  open.vhost = "open.example";
  d = decide(policy, principal{}, open);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.source, decision_source::vhost_default);

  open.path = "/blocked/x";
  d = decide(policy, principal{}, open);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule_name, "rule[0]");  // unnamed rules are labelled by position

  // The empty policy denies.
  EXPECT_FALSE(authorization_policy().decide(principal{}, get("/").attributes()).allowed);
}

TEST(authorization_policy, vhost_and_method_matching) {
  policy_spec spec;
  auto a = rule("a-get", "/**", rule_action::allow);
  a.vhost = "A.example";
  a.methods = {"GET"};
  spec.rules.push_back(std::move(a));
  auto b = rule("any-post", "/upload/*", rule_action::allow);
  b.methods = {"POST", "PUT"};
  spec.rules.push_back(std::move(b));
  const auto policy = build(std::move(spec));

  test_request r = get("/x");
  r.vhost = "a.EXAMPLE";
  EXPECT_TRUE(decide(policy, principal{}, r).allowed);
  r.method = "HEAD";  // GET admits HEAD
  EXPECT_TRUE(decide(policy, principal{}, r).allowed);
  r.method = "get";  // methods are case-sensitive
  EXPECT_FALSE(decide(policy, principal{}, r).allowed);
  r.method = "DELETE";
  EXPECT_FALSE(decide(policy, principal{}, r).allowed);
  r.vhost = "b.example";
  r.method = "GET";
  EXPECT_FALSE(decide(policy, principal{}, r).allowed);

  r.path = "/upload/file";
  r.method = "PUT";
  EXPECT_EQ(decide(policy, principal{}, r).rule_name, "any-post");
  r.path = "/upload/dir/file";  // `*` stays within one segment
  EXPECT_FALSE(decide(policy, principal{}, r).allowed);
  r.method = "HEAD";  // HEAD is only implied by GET
  r.path = "/upload/file";
  EXPECT_FALSE(decide(policy, principal{}, r).allowed);
}

TEST(authorization_policy, roles_any_and_all) {
  policy_spec spec;
  auto any = rule("editors", "/edit/**", rule_action::allow);
  any.roles = {"editor", "admin"};
  spec.rules.push_back(std::move(any));
  auto all = rule("billing", "/billing/**", rule_action::allow);
  all.roles = {"finance", "manager"};
  all.roles_match = role_requirement::all_of;
  spec.rules.push_back(std::move(all));
  const auto policy = build(std::move(spec));

  EXPECT_TRUE(decide(policy, user(auth_method::jwt, "a", {"admin"}), get("/edit/x")).allowed);
  EXPECT_TRUE(decide(policy, user(auth_method::jwt, "a", {"viewer", "editor"}), get("/edit/x")).allowed);
  EXPECT_FALSE(decide(policy, user(auth_method::jwt, "a", {"viewer"}), get("/edit/x")).allowed);
  EXPECT_FALSE(decide(policy, user(auth_method::jwt, "a", {"finance"}), get("/billing/q1")).allowed);
  EXPECT_TRUE(decide(policy, user(auth_method::jwt, "a", {"manager", "finance"}), get("/billing/q1")).allowed);
}

// The core of the 401/403 contract.
TEST(authorization_policy, unauthenticated_versus_forbidden) {
  policy_spec spec;
  auto admin = rule("admin", "/admin/**", rule_action::allow);
  admin.roles = {"admin"};
  admin.auth = {auth_method::mtls};
  spec.rules.push_back(std::move(admin));
  auto api = rule("api", "/api/**", rule_action::authenticate);
  api.auth = {auth_method::jwt, auth_method::api_key};
  spec.rules.push_back(std::move(api));
  spec.rules.push_back(rule("closed", "/closed/**", rule_action::deny));
  spec.rules.push_back(rule("admin-rest", "/admin/**", rule_action::deny));
  const auto policy = build(std::move(spec));

  // No identity where one is required: 401, with the methods to offer.
  auto d = decide(policy, principal{}, get("/api/items"));
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.outcome, authorization_outcome::unauthenticated);
  EXPECT_EQ(d.reason, "identity required; no credentials presented");
  EXPECT_EQ(d.challenge, (auth_method_set{auth_method::jwt, auth_method::api_key}));
  EXPECT_EQ(d.source, decision_source::vhost_default);

  // Rejected credentials: still 401, and the reason says so.
  principal rejected;
  rejected.credentials_rejected = true;
  d = decide(policy, rejected, get("/api/items"));
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "identity required; credentials rejected");

  // A known identity: allowed by "authenticate".
  d = decide(policy, user(auth_method::api_key, "svc"), get("/api/items"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_name, "api");

  // Anonymous on /admin: the admin rule was skipped for want of an identity, then the deny
  // rule matched: authenticating could change that, so 401.
  d = decide(policy, principal{}, get("/admin/users"));
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.rule_name, "admin-rest");
  EXPECT_EQ(d.challenge, (auth_method_set{auth_method::mtls}));

  // A known identity without the role: 403.
  d = decide(policy, user(auth_method::mtls, "bob", {"staff"}), get("/admin/users"));
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.outcome, authorization_outcome::forbidden);
  // The right role by the wrong method (the rule accepts mTLS only): 403.
  d = decide(policy, user(auth_method::jwt, "bob", {"admin"}), get("/admin/users"));
  EXPECT_EQ(d.status, 403);
  d = decide(policy, user(auth_method::mtls, "root", {"admin"}), get("/admin/users"));
  EXPECT_TRUE(d.allowed);

  // An explicit deny before any identity rule: 403 even for anonymous requests.
  d = decide(policy, principal{}, get("/closed/x"));
  EXPECT_EQ(d.status, 403);
  // Nothing to authenticate for: the default deny is a 403.
  d = decide(policy, principal{}, get("/elsewhere"));
  EXPECT_EQ(d.status, 403);
  EXPECT_TRUE(d.challenge.empty());
}

TEST(authorization_policy, deny_rule_with_roles_does_not_ask_for_identity) {
  policy_spec spec;
  auto contractors = rule("no-contractors", "/finance/**", rule_action::deny);
  contractors.roles = {"contractor"};
  spec.rules.push_back(std::move(contractors));
  const auto policy = build(std::move(spec));
  // The deny rule only bites authenticated contractors; authenticating cannot help anyone
  // else, so the anonymous refusal (default deny) is a 403.
  EXPECT_EQ(decide(policy, principal{}, get("/finance/x")).status, 403);
  const auto d = decide(policy, user(auth_method::jwt, "c", {"contractor"}), get("/finance/x"));
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.rule_name, "no-contractors");
}

TEST(authorization_policy, conditions_on_rules) {
  policy_spec spec;
  cidr_list office;
  ASSERT_EQ(office.add("10.0.0.0/8"), "");
  auto from_office = rule("office", "/intranet/**", rule_action::allow);
  from_office.when = policy_condition::client_address_in(office);
  spec.rules.push_back(std::move(from_office));
  auto tenant = rule("tenant", "/t/acme/**", rule_action::allow);
  tenant.auth = {auth_method::jwt};
  tenant.when = policy_condition::tenant_equals("acme");
  spec.rules.push_back(std::move(tenant));
  const auto policy = build(std::move(spec));

  test_request r = get("/intranet/wiki");
  r.client_address = "10.1.2.3";
  EXPECT_TRUE(decide(policy, principal{}, r).allowed);
  r.client_address = "203.0.113.5";
  auto d = decide(policy, principal{}, r);
  EXPECT_EQ(d.status, 403);  // the address test does not depend on who you are

  principal acme = user(auth_method::jwt, "a");
  acme.tenant = "acme";
  EXPECT_TRUE(decide(policy, acme, get("/t/acme/report")).allowed);
  principal globex = user(auth_method::jwt, "g");
  globex.tenant = "globex";
  EXPECT_EQ(decide(policy, globex, get("/t/acme/report")).status, 403);
  // Anonymous: the tenant test could pass with an identity: 401.
  EXPECT_EQ(decide(policy, principal{}, get("/t/acme/report")).status, 401);
}

TEST(authorization_policy, credential_methods_stop_at_an_identity_free_match) {
  policy_spec spec;
  auto health = rule("health", "/healthz", rule_action::allow);
  spec.rules.push_back(std::move(health));
  auto admin = rule("admin", "/admin/**", rule_action::allow);
  admin.roles = {"admin"};
  admin.auth = {auth_method::mtls, auth_method::basic};
  spec.rules.push_back(std::move(admin));
  auto optional_login = rule("site", "/**", rule_action::allow);  // anonymous allowed, identity noted
  optional_login.auth = {auth_method::jwt};
  spec.rules.push_back(std::move(optional_login));
  auto unreachable = rule("unreachable", "/**", rule_action::authenticate);
  unreachable.auth = {auth_method::signed_url};
  spec.rules.push_back(std::move(unreachable));
  const auto policy = build(std::move(spec));

  test_request r = get("/healthz");
  EXPECT_TRUE(policy.credential_methods(r.attributes()).empty());
  r.path = "/admin/x";
  EXPECT_EQ(policy.credential_methods(r.attributes()),
            (auth_method_set{auth_method::mtls, auth_method::basic, auth_method::jwt}));
  r.path = "/page";
  EXPECT_EQ(policy.credential_methods(r.attributes()), (auth_method_set{auth_method::jwt}));

  // Optional authentication: anonymous is allowed, and so is a known user.
  EXPECT_TRUE(decide(policy, principal{}, get("/page")).allowed);
  EXPECT_TRUE(decide(policy, user(auth_method::jwt, "x"), get("/page")).allowed);
  // A rejected credential on an open page does not turn the page into a 401.
  principal rejected;
  rejected.credentials_rejected = true;
  EXPECT_TRUE(decide(policy, rejected, get("/page")).allowed);
}

TEST(authorization_policy, literal_and_prefix_paths_match_as_globs_do) {
  // Patterns a plain comparison decides (a literal; a literal then `**`) next to ones the glob
  // must run for: each rule must match exactly the paths path_glob matches.
  const std::vector<std::string> patterns = {"/**", "**", "/api/**", "/api/***", "/api**", "/a.txt", "/",
                                             "/api/*", "/api/**/x", "/**/*.js", "/a?c", "*", "/x/**/"};
  const std::vector<std::string> paths = {"/", "", "/api", "/api/", "/api/x", "/api/x/y", "/apix", "/a.txt",
                                          "/a.txtx", "/abc", "/app.js", "/d/app.js", "/x/", "/x/y/", "x", "/API/x"};
  for (const std::string& pattern : patterns) {
    policy_spec spec;
    spec.rules.push_back(rule("r", pattern, rule_action::allow));
    spec.default_action = rule_action::deny;
    const auto policy = build(std::move(spec));
    const path_glob glob(pattern);
    for (const std::string& path : paths) {
      EXPECT_EQ(decide(policy, principal{}, get(path)).allowed, glob.matches(path)) << pattern << " " << path;
    }
  }
}

TEST(authorization_policy, recorded_matches_stop_where_credential_methods_stop) {
  policy_spec spec;
  auto open = rule("open", "/pub/**", rule_action::allow);
  spec.rules.push_back(std::move(open));
  auto members = rule("members", "/**", rule_action::authenticate);
  members.auth = {auth_method::jwt};
  spec.rules.push_back(std::move(members));
  const auto policy = build(std::move(spec));
  test_request r = get("/pub/a");
  policy_matches matches;
  EXPECT_TRUE(policy.credential_methods(r.attributes(), matches).empty());
  EXPECT_EQ(matches.rules, std::vector<std::uint32_t>{0});
  EXPECT_EQ(matches.untested_from, 1U);
  r = get("/private/a");
  EXPECT_EQ(policy.credential_methods(r.attributes(), matches), (auth_method_set{auth_method::jwt}));
  EXPECT_EQ(matches.rules, std::vector<std::uint32_t>{1});
  EXPECT_EQ(matches.untested_from, 2U);
  EXPECT_EQ(decide(policy, principal{}, get("/private/a")).status, 401);
  EXPECT_TRUE(decide(policy, user(auth_method::jwt, "x"), get("/private/a")).allowed);
}

TEST(authorization_policy, build_refuses_bad_specs) {
  const auto refused = [](policy_spec spec, std::string_view fragment) {
    const auto built = authorization_policy::build(std::move(spec));
    EXPECT_FALSE(built);
    EXPECT_NE(built.error.find(fragment), std::string::npos) << built.error;
  };
  {
    policy_spec s;
    s.rules.push_back(rule("x", "/a", rule_action::allow));
    s.rules.push_back(rule("x", "/b", rule_action::allow));
    refused(std::move(s), "rule 2 (\"x\")");
  }
  {
    policy_spec s;
    s.rules.push_back(rule("", "relative/**", rule_action::allow));
    refused(std::move(s), "path");
  }
  {
    policy_spec s;
    auto r = rule("m", "/a", rule_action::allow);
    r.methods = {"GET POST"};
    s.rules.push_back(std::move(r));
    refused(std::move(s), "methods");
  }
  {
    policy_spec s;
    auto r = rule("r", "/a", rule_action::allow);
    r.roles = {""};
    s.rules.push_back(std::move(r));
    refused(std::move(s), "roles");
  }
  {
    policy_spec s;
    auto r = rule("c", "/a", rule_action::allow);
    policy_condition c = policy_condition::tls_present();
    for (std::size_t i = 0; i < max_condition_depth; ++i) c = policy_condition::negation_of(std::move(c));
    r.when = std::move(c);
    s.rules.push_back(std::move(r));
    refused(std::move(s), "nest");
  }
  {
    policy_spec s;
    s.default_action = rule_action::authenticate;
    refused(std::move(s), "default");
  }
  {
    policy_spec s;
    s.vhost_defaults.push_back({"*", rule_action::allow});
    refused(std::move(s), "virtual host");
  }
  rule_action action{};
  EXPECT_TRUE(parse_rule_action("authenticate", action));
  EXPECT_EQ(action, rule_action::authenticate);
  EXPECT_FALSE(parse_rule_action("Allow", action));
  role_requirement req{};
  EXPECT_TRUE(parse_role_requirement("all", req));
  EXPECT_EQ(req, role_requirement::all_of);
  EXPECT_FALSE(parse_role_requirement("most", req));
  auth_method m{};
  EXPECT_TRUE(parse_auth_method("signed_url", m));
  EXPECT_EQ(m, auth_method::signed_url);
  EXPECT_FALSE(parse_auth_method("none", m));
  EXPECT_FALSE(parse_auth_method("JWT", m));
  EXPECT_EQ(auth_method_name(auth_method::mtls), "mtls");
}

TEST(authorization_policy, hostile_requests) {
  policy_spec spec;
  spec.rules.push_back(rule("deep", "/a/**/z/*.txt", rule_action::allow));
  auto hdr = rule("hdr", "/h/**", rule_action::allow);
  hdr.when = policy_condition::header_equals("X-Token-Type", "internal");
  spec.rules.push_back(std::move(hdr));
  for (int i = 0; i < 20; ++i) spec.rules.push_back(rule("", "/**/never-" + std::to_string(i) + "/**", rule_action::deny));
  const auto policy = build(std::move(spec));

  // 256 KiB of path segments against 20 `**` rules: linear per rule, no backtracking.
  std::string path = "/a";
  while (path.size() < (1u << 18)) path += "/b";
  path += "/z/file.txt";
  EXPECT_TRUE(decide(policy, principal{}, get(path)).allowed);
  path += "x/";
  EXPECT_FALSE(decide(policy, principal{}, get(path)).allowed);
  // Bytes a normaliser would have refused are just bytes to the globs: decided, safely.
  EXPECT_TRUE(decide(policy, principal{}, get(std::string("/a/\0/z/x.txt", 12))).allowed);
  EXPECT_FALSE(decide(policy, principal{}, get(std::string("/a/z\0/x.txt", 12))).allowed);
  EXPECT_FALSE(decide(policy, principal{}, get("")).allowed);

  test_request many = get("/h/x");
  for (int i = 0; i < 10000; ++i) many.header("X-Token-Type", "internal");
  EXPECT_FALSE(decide(policy, principal{}, many).allowed);  // duplicated: ambiguous, refused
  test_request one = get("/h/x");
  for (int i = 0; i < 10000; ++i) one.header("X-" + std::to_string(i), "v");
  one.header("x-token-type", "internal");
  EXPECT_TRUE(decide(policy, principal{}, one).allowed);

  // A principal with a huge number of roles and claims.
  principal big = user(auth_method::jwt, "x");
  for (int i = 0; i < 10000; ++i) big.roles.push_back("r" + std::to_string(i));
  EXPECT_FALSE(decide(policy, big, get("/nothing")).allowed);
}

}  // namespace
}  // namespace ferry
