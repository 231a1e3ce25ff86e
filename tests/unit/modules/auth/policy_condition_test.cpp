// ABAC conditions: each test type, time windows (offsets, wrapping, weekdays), combinators and
// their limits, and requests built to confuse them (duplicate and very many headers).
#include "modules/auth/policy_condition.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::test_request;
using policy_test::utc;

principal with_claims() {
  principal p = policy_test::user(auth_method::jwt, "alice", {"reader"});
  p.tenant = "acme";
  p.claims = {{"email", "alice@example.com"}, {"org", "eng"}, {"scope", "read"}};
  p.list_claims = {{"groups", {"ops", "dev"}}};
  return p;
}

TEST(policy_condition, claim_tests) {
  const principal p = with_claims();
  test_request r;
  const auto a = r.attributes();
  EXPECT_TRUE(policy_condition::claim_equals("org", "eng").holds(p, a));
  EXPECT_FALSE(policy_condition::claim_equals("org", "Eng").holds(p, a));
  EXPECT_FALSE(policy_condition::claim_equals("missing", "").holds(p, a));
  EXPECT_TRUE(policy_condition::claim_in("org", {"sales", "eng"}).holds(p, a));
  EXPECT_FALSE(policy_condition::claim_in("org", {"sales"}).holds(p, a));
  EXPECT_FALSE(policy_condition::claim_in("org", {}).holds(p, a));
  EXPECT_TRUE(policy_condition::claim_contains("groups", "ops").holds(p, a));
  EXPECT_FALSE(policy_condition::claim_contains("groups", "admin").holds(p, a));
  EXPECT_TRUE(policy_condition::claim_contains("scope", "read").holds(p, a));  // a string is a list of one
  EXPECT_FALSE(policy_condition::claim_contains("scope", "write").holds(p, a));
  // The anonymous principal has no claims.
  EXPECT_FALSE(policy_condition::claim_equals("org", "eng").holds(principal{}, a));
}

TEST(policy_condition, tenant) {
  test_request r;
  const auto a = r.attributes();
  EXPECT_TRUE(policy_condition::tenant_equals("acme").holds(with_claims(), a));
  EXPECT_FALSE(policy_condition::tenant_equals("globex").holds(with_claims(), a));
  EXPECT_FALSE(policy_condition::tenant_equals("").holds(principal{}, a));
}

TEST(policy_condition, client_address_and_tls) {
  cidr_list office;
  ASSERT_EQ(office.add("192.0.2.0/24"), "");
  ASSERT_EQ(office.add("2001:db8::/32"), "");
  const auto in_office = policy_condition::client_address_in(office);
  test_request r;
  r.client_address = "192.0.2.99";
  EXPECT_TRUE(in_office.holds(principal{}, r.attributes()));
  r.client_address = "::ffff:192.0.2.99";
  EXPECT_TRUE(in_office.holds(principal{}, r.attributes()));
  r.client_address = "2001:db8::5";
  EXPECT_TRUE(in_office.holds(principal{}, r.attributes()));
  r.client_address = "198.51.100.1";
  EXPECT_FALSE(in_office.holds(principal{}, r.attributes()));
  r.client_address = "";
  EXPECT_FALSE(in_office.holds(principal{}, r.attributes()));

  r.tls = true;
  EXPECT_TRUE(policy_condition::tls_present().holds(principal{}, r.attributes()));
  EXPECT_FALSE(policy_condition::tls_present(false).holds(principal{}, r.attributes()));
  r.tls = false;
  EXPECT_FALSE(policy_condition::tls_present().holds(principal{}, r.attributes()));
}

TEST(policy_condition, headers_exactly_once) {
  const auto eq = policy_condition::header_equals("X-Env", "prod");
  const auto prefix = policy_condition::header_prefix("user-agent", "curl/");
  test_request r;
  EXPECT_FALSE(eq.holds(principal{}, r.attributes()));  // absent
  r.header("x-env", "prod").header("User-Agent", "curl/8.5.0");
  EXPECT_TRUE(eq.holds(principal{}, r.attributes()));  // names are case-insensitive
  EXPECT_TRUE(prefix.holds(principal{}, r.attributes()));
  test_request other;
  other.header("X-Env", "Prod").header("User-Agent", "curl");
  EXPECT_FALSE(eq.holds(principal{}, other.attributes()));  // values are exact
  EXPECT_FALSE(prefix.holds(principal{}, other.attributes()));
  // Sent twice, a header is ambiguous: the condition fails even if one copy matches.
  r.header("X-Env", "prod");
  EXPECT_FALSE(eq.holds(principal{}, r.attributes()));
  // ...so "not X-Env: dev" holds for it: a negated header test never guards anything, since
  // the client could as well leave the header out.
  EXPECT_TRUE(policy_condition::negation_of(policy_condition::header_equals("X-Env", "dev"))
                  .holds(principal{}, r.attributes()));
}

TEST(policy_condition, many_headers_are_linear) {
  test_request r;
  for (int i = 0; i < 20000; ++i) r.header("X-Filler-" + std::to_string(i), std::string(50, 'a'));
  r.header("X-Env", "prod");
  const auto a = r.attributes();
  EXPECT_TRUE(policy_condition::header_equals("X-Env", "prod").holds(principal{}, a));
  EXPECT_FALSE(policy_condition::header_prefix("X-Missing", "").holds(principal{}, a));
}

TEST(policy_condition, time_window_utc_and_offset) {
  const auto office = parse_time_window("mon-fri", "09:00-17:00", "UTC");
  ASSERT_TRUE(office) << office.error;
  const auto at = [&](std::chrono::system_clock::time_point t, const policy_condition& c) {
    test_request r;
    r.now = t;
    return c.holds(principal{}, r.attributes());
  };
  const auto c = policy_condition::time_in(office.value);
  EXPECT_TRUE(at(utc(2025, 11, 25, 9, 0), c));     // Tuesday 09:00: start is inclusive
  EXPECT_TRUE(at(utc(2025, 11, 25, 16, 59), c));
  EXPECT_FALSE(at(utc(2025, 11, 25, 17, 0), c));   // end is exclusive
  EXPECT_FALSE(at(utc(2025, 11, 25, 8, 59), c));
  EXPECT_FALSE(at(utc(2025, 11, 29, 12, 0), c));   // Saturday
  EXPECT_TRUE(at(utc(2025, 11, 28, 12, 0), c));    // Friday

  // 09:00-17:00 at +02:00 is 07:00-15:00 UTC; Monday 00:30 local is Sunday 22:30 UTC.
  const auto berlin = parse_time_window("mon", "00:00-17:00", "+02:00");
  ASSERT_TRUE(berlin) << berlin.error;
  const auto b = policy_condition::time_in(berlin.value);
  EXPECT_TRUE(at(utc(2025, 11, 23, 22, 30), b));   // Sunday UTC, Monday local
  EXPECT_TRUE(at(utc(2025, 11, 24, 14, 59), b));
  EXPECT_FALSE(at(utc(2025, 11, 24, 15, 0), b));
  const auto west = parse_time_window("*", "00:00-01:00", "-05:30");
  ASSERT_TRUE(west);
  EXPECT_TRUE(at(utc(2025, 11, 25, 5, 30), policy_condition::time_in(west.value)));
  EXPECT_FALSE(at(utc(2025, 11, 25, 5, 29), policy_condition::time_in(west.value)));
  // Before 1970 the arithmetic still floors correctly: 1969-12-31 was a Wednesday.
  const auto wed = parse_time_window("wed", "23:00-24:00", "");
  ASSERT_TRUE(wed);
  EXPECT_TRUE(at(utc(1969, 12, 31, 23, 30), policy_condition::time_in(wed.value)));
}

TEST(policy_condition, time_window_wrapping_midnight) {
  const auto night = parse_time_window("fri", "22:00-06:00", "Z");
  ASSERT_TRUE(night) << night.error;
  const auto c = policy_condition::time_in(night.value);
  const auto at = [&](std::chrono::system_clock::time_point t) {
    test_request r;
    r.now = t;
    return c.holds(principal{}, r.attributes());
  };
  EXPECT_TRUE(at(utc(2025, 11, 28, 22, 0)));   // Friday evening
  EXPECT_TRUE(at(utc(2025, 11, 29, 5, 59)));   // Saturday morning belongs to Friday's window
  EXPECT_FALSE(at(utc(2025, 11, 29, 6, 0)));
  EXPECT_FALSE(at(utc(2025, 11, 28, 5, 0)));   // Friday morning belongs to Thursday's
  EXPECT_FALSE(at(utc(2025, 11, 29, 22, 0)));  // Saturday evening
}

TEST(policy_condition, time_window_syntax) {
  EXPECT_EQ(parse_time_window("", "00:00-24:00", "").value.days, 0x7f);
  EXPECT_EQ(parse_time_window("sat,sun", "00:00-24:00", "").value.days, 0x41);
  EXPECT_EQ(parse_time_window("fri-mon", "00:00-24:00", "").value.days, 0x63);  // wraps the week
  EXPECT_EQ(parse_time_window("Mon, Wed", "00:00-24:00", "").value.days, 0x0a);
  for (const auto& [days, hours, zone] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"funday", "09:00-17:00", ""},
           {"mon,", "09:00-17:00", ""},
           {"mon-", "09:00-17:00", ""},
           {"*", "9:00-17:00", ""},
           {"*", "09:00-24:01", ""},
           {"*", "24:00-09:00", ""},
           {"*", "09:60-10:00", ""},
           {"*", "09:00-09:00", ""},
           {"*", "09:00", ""},
           {"*", "09:00-17:00", "+15:00"},
           {"*", "09:00-17:00", "+0200"},
           {"*", "09:00-17:00", "CET"},
       }) {
    EXPECT_FALSE(parse_time_window(days, hours, zone)) << days << " " << hours << " " << zone;
  }
}

TEST(policy_condition, combinators) {
  const principal p = with_claims();
  test_request r;
  r.tls = true;
  const auto a = r.attributes();
  const auto yes = [] { return policy_condition::tls_present(true); };
  const auto no = [] { return policy_condition::tls_present(false); };
  EXPECT_TRUE(policy_condition::all_of({}).holds(p, a));
  EXPECT_FALSE(policy_condition::any_of({}).holds(p, a));
  EXPECT_TRUE(policy_condition::all_of({yes(), yes()}).holds(p, a));
  EXPECT_FALSE(policy_condition::all_of({yes(), no()}).holds(p, a));
  EXPECT_TRUE(policy_condition::any_of({no(), yes()}).holds(p, a));
  EXPECT_FALSE(policy_condition::any_of({no(), no()}).holds(p, a));
  EXPECT_TRUE(policy_condition::negation_of(no()).holds(p, a));
  // (tenant acme AND (group ops OR from the office)) AND NOT header X-Debug
  std::vector<policy_condition> inner;
  inner.push_back(policy_condition::claim_contains("groups", "ops"));
  inner.push_back(no());
  std::vector<policy_condition> outer;
  outer.push_back(policy_condition::tenant_equals("acme"));
  outer.push_back(policy_condition::any_of(std::move(inner)));
  outer.push_back(policy_condition::negation_of(policy_condition::header_equals("X-Debug", "1")));
  const auto tree = policy_condition::all_of(std::move(outer));
  EXPECT_EQ(tree.validate(), "");
  EXPECT_EQ(tree.depth(), 3u);
  EXPECT_EQ(tree.node_count(), 7u);
  EXPECT_TRUE(tree.uses_principal());
  EXPECT_TRUE(tree.holds(p, a));
  EXPECT_FALSE(tree.holds(principal{}, a));
  EXPECT_FALSE(policy_condition::all_of({yes(), no()}).uses_principal());
}

TEST(policy_condition, limits_are_enforced) {
  policy_condition c = policy_condition::tls_present();
  for (std::size_t i = 1; i < max_condition_depth; ++i) c = policy_condition::negation_of(std::move(c));
  EXPECT_EQ(c.validate(), "");
  EXPECT_EQ(c.depth(), max_condition_depth);
  const auto too_deep = policy_condition::negation_of(std::move(c));
  EXPECT_NE(too_deep.validate(), "");

  std::vector<policy_condition> wide;
  for (std::size_t i = 0; i < max_condition_nodes; ++i) wide.push_back(policy_condition::tls_present());
  EXPECT_NE(policy_condition::any_of(std::move(wide)).validate(), "");  // 257 nodes

  EXPECT_NE(policy_condition::claim_equals("", "x").validate(), "");
  EXPECT_NE(policy_condition::header_prefix("", "x").validate(), "");
  EXPECT_NE(policy_condition::tenant_equals("").validate(), "");
  EXPECT_NE(policy_condition::client_address_in(cidr_list()).validate(), "");
  // An error deep inside is found.
  std::vector<policy_condition> nested;
  nested.push_back(policy_condition::claim_in("", {"a"}));
  EXPECT_NE(policy_condition::all_of(std::move(nested)).validate(), "");
}

}  // namespace
}  // namespace ferry
