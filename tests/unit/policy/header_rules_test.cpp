#include "policy/header_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {
namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

header_rule set_rule(std::string path, headers set) {
  header_rule r;
  r.path = std::move(path);
  r.set = std::move(set);
  return r;
}

header_rule cors_rule(std::string path, std::vector<std::string> origins) {
  header_rule r;
  r.path = std::move(path);
  r.has_cors = true;
  r.cors.allow_origins = std::move(origins);
  return r;
}

headers to_pairs(const std::vector<response_header>& out) {
  headers result;
  for (const auto& h : out) result.emplace_back(std::string(h.name), std::string(h.value));
  return result;
}

headers apply(const header_rules& rules, std::string_view path, std::string_view origin = {}) {
  std::vector<response_header> out;
  rules.apply(path, origin, out);
  return to_pairs(out);
}

headers preflight(const header_rules& rules, std::string_view path, std::string_view origin,
                  std::string_view method, bool expected_result) {
  std::vector<response_header> out;
  EXPECT_EQ(rules.preflight(path, origin, method, out), expected_result);
  return to_pairs(out);
}

TEST(HeaderRules, NoRulesAddNothing) {
  const header_rules rules({});
  EXPECT_TRUE(apply(rules, "/x", "https://a.example").empty());
  std::vector<response_header> out;
  EXPECT_FALSE(rules.preflight("/x", "https://a.example", "GET", out));
  EXPECT_TRUE(out.empty());
}

TEST(HeaderRules, MatchingRulesSetHeadersInOrder) {
  const header_rules rules({set_rule("/**", {{"X-Content-Type-Options", "nosniff"}}),
                            set_rule("/assets/**", {{"Cache-Control", "max-age=31536000, immutable"}}),
                            set_rule("/api/**", {{"Cache-Control", "no-store"}})});
  EXPECT_EQ(apply(rules, "/assets/app.js"),
            (headers{{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "max-age=31536000, immutable"}}));
  EXPECT_EQ(apply(rules, "/index.html"), (headers{{"X-Content-Type-Options", "nosniff"}}));
}

TEST(HeaderRules, LaterRuleReplacesCaseInsensitively) {
  const header_rules rules({set_rule("/**", {{"Cache-Control", "no-cache"}, {"X-Frame-Options", "DENY"}}),
                            set_rule("/assets/**", {{"cache-control", "max-age=60"}})});
  EXPECT_EQ(apply(rules, "/assets/a.css"), (headers{{"cache-control", "max-age=60"}, {"X-Frame-Options", "DENY"}}));
}

TEST(HeaderRules, EmptyValueRemovesEarlierRuleHeader) {
  const header_rules rules({set_rule("/**", {{"Cache-Control", "no-cache"}, {"X-Frame-Options", "DENY"}}),
                            set_rule("/embed/**", {{"X-FRAME-OPTIONS", ""}})});
  EXPECT_EQ(apply(rules, "/embed/x"), (headers{{"Cache-Control", "no-cache"}}));
  EXPECT_EQ(apply(rules, "/x"), (headers{{"Cache-Control", "no-cache"}, {"X-Frame-Options", "DENY"}}));
}

TEST(HeaderRules, CallersOwnHeadersAreLeftAlone) {
  const header_rules rules({set_rule("/**", {{"Server", ""}, {"Content-Type", "text/plain"}})});
  std::vector<response_header> out{{"Server", "ferry"}, {"Content-Type", "text/html"}};
  rules.apply("/x", "", out);
  EXPECT_EQ(to_pairs(out),
            (headers{{"Server", "ferry"}, {"Content-Type", "text/html"}, {"Content-Type", "text/plain"}}));
}

TEST(HeaderRules, ViewsOutliveTheConfigVector) {
  std::vector<response_header> out;
  std::string long_value(200, 'v');
  auto rules = [&] {
    std::vector<header_rule> config{set_rule("/**", {{"X-Long", long_value}})};
    header_rules built(config);
    config.clear();
    return built;
  }();
  // `rules` was moved out of the lambda; its heap strings moved with it.
  rules.apply("/", "", out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].value, long_value);
}

TEST(HeaderRulesCors, WildcardWithoutCredentialsAnswersStarWithoutVary) {
  header_rule r = cors_rule("/api/**", {"*"});
  r.cors.expose_headers = {"ETag", "X-Request-Id"};
  const header_rules rules({r});
  EXPECT_EQ(apply(rules, "/api/x", "https://any.example"),
            (headers{{"Access-Control-Allow-Origin", "*"}, {"Access-Control-Expose-Headers", "ETag, X-Request-Id"}}));
  EXPECT_TRUE(apply(rules, "/api/x", "").empty());
  EXPECT_TRUE(apply(rules, "/other", "https://any.example").empty());
}

TEST(HeaderRulesCors, ListedOriginIsEchoedWithVary) {
  const header_rules rules({cors_rule("/**", {"https://a.example", "https://b.example"})});
  EXPECT_EQ(apply(rules, "/x", "https://b.example"),
            (headers{{"Access-Control-Allow-Origin", "https://b.example"}, {"Vary", "Origin"}}));
}

TEST(HeaderRulesCors, EchoedOriginViewsTheRequestOrigin) {
  const header_rules rules({cors_rule("/**", {"https://a.example"})});
  const std::string origin = "https://a.example";
  std::vector<response_header> out;
  rules.apply("/x", origin, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].value.data(), origin.data());
}

TEST(HeaderRulesCors, UnlistedOrAbsentOriginGetsOnlyVary) {
  const header_rules rules({cors_rule("/**", {"https://a.example"})});
  const headers vary_only{{"Vary", "Origin"}};
  EXPECT_EQ(apply(rules, "/x", "https://evil.example"), vary_only);
  EXPECT_EQ(apply(rules, "/x", ""), vary_only);
  EXPECT_EQ(apply(rules, "/x", "https://A.example"), vary_only);          // byte-exact
  EXPECT_EQ(apply(rules, "/x", "https://a.example/"), vary_only);
  EXPECT_EQ(apply(rules, "/x", "https://a.example.evil.example"), vary_only);
  EXPECT_EQ(apply(rules, "/x", "https://a.exampl"), vary_only);
  EXPECT_EQ(apply(rules, "/x", "null"), vary_only);
  EXPECT_EQ(apply(rules, "/x", "*"), vary_only);
}

TEST(HeaderRulesCors, OriginsWithControlBytesAreNeverEchoed) {
  // Even if the configuration somehow listed them.
  const header_rules rules({cors_rule("/**", {"https://a.example\r\nSet-Cookie: x=1", std::string("https://a\0", 10),
                                              "https://a.example\n"})});
  const headers vary_only{{"Vary", "Origin"}};
  EXPECT_EQ(apply(rules, "/x", "https://a.example\r\nSet-Cookie: x=1"), vary_only);
  EXPECT_EQ(apply(rules, "/x", std::string_view("https://a\0", 10)), vary_only);
  EXPECT_EQ(apply(rules, "/x", "https://a.example\n"), vary_only);
}

TEST(HeaderRulesCors, CredentialsAndExposeHeaders) {
  header_rule r = cors_rule("/**", {"https://app.example"});
  r.cors.allow_credentials = true;
  r.cors.expose_headers = {"ETag"};
  const header_rules rules({r});
  EXPECT_EQ(apply(rules, "/x", "https://app.example"), (headers{{"Access-Control-Allow-Origin", "https://app.example"},
                                                                {"Access-Control-Allow-Credentials", "true"},
                                                                {"Access-Control-Expose-Headers", "ETag"},
                                                                {"Vary", "Origin"}}));
  EXPECT_EQ(apply(rules, "/x", "https://other.example"), (headers{{"Vary", "Origin"}}));
}

TEST(HeaderRulesCors, StarWithCredentialsNeverReflectsOrigins) {
  header_rule r = cors_rule("/**", {"*", "https://app.example"});
  r.cors.allow_credentials = true;
  const header_rules rules({r});
  EXPECT_EQ(apply(rules, "/x", "https://evil.example"), (headers{{"Vary", "Origin"}}));
  EXPECT_EQ(apply(rules, "/x", "*"), (headers{{"Vary", "Origin"}}));
  EXPECT_EQ(apply(rules, "/x", "https://app.example"), (headers{{"Access-Control-Allow-Origin", "https://app.example"},
                                                                {"Access-Control-Allow-Credentials", "true"},
                                                                {"Vary", "Origin"}}));
}

TEST(HeaderRulesCors, LastMatchingCorsRuleDecides) {
  header_rule broad = cors_rule("/**", {"https://a.example"});
  broad.cors.allow_credentials = true;
  const header_rules rules({broad, cors_rule("/public/**", {"*"})});
  EXPECT_EQ(apply(rules, "/public/x", "https://a.example"), (headers{{"Access-Control-Allow-Origin", "*"}}));
  EXPECT_EQ(apply(rules, "/private/x", "https://a.example"),
            (headers{{"Access-Control-Allow-Origin", "https://a.example"},
                     {"Access-Control-Allow-Credentials", "true"},
                     {"Vary", "Origin"}}));
}

TEST(HeaderRulesCors, CorsRuleAlsoSetsItsHeadersAndVaryStaysSeparate) {
  header_rule r = cors_rule("/**", {"https://a.example"});
  r.set = {{"Vary", "Accept-Encoding"}};
  const header_rules rules({r, set_rule("/x", {{"vary", "Cookie"}})});
  EXPECT_EQ(apply(rules, "/x", "https://a.example"),
            (headers{{"vary", "Cookie"}, {"Access-Control-Allow-Origin", "https://a.example"}, {"Vary", "Origin"}}));
}

TEST(HeaderRulesCors, LaterSetRuleCanRemoveCorsHeader) {
  const header_rules rules(
      {cors_rule("/**", {"*"}), set_rule("/secret/**", {{"Access-Control-Allow-Origin", ""}})});
  EXPECT_TRUE(apply(rules, "/secret/x", "https://a.example").empty());
  EXPECT_EQ(apply(rules, "/open", "https://a.example"), (headers{{"Access-Control-Allow-Origin", "*"}}));
}

TEST(HeaderRulesPreflight, AllowedOriginAndMethod) {
  header_rule r = cors_rule("/api/**", {"https://app.example"});
  r.cors.allow_methods = {"GET", "PUT"};
  r.cors.allow_headers = {"Content-Type", "Authorization"};
  r.cors.allow_credentials = true;
  r.cors.max_age_seconds = 600;
  const header_rules rules({r});
  EXPECT_EQ(preflight(rules, "/api/v1", "https://app.example", "PUT", true),
            (headers{{"Access-Control-Allow-Origin", "https://app.example"},
                     {"Access-Control-Allow-Methods", "GET, PUT"},
                     {"Access-Control-Allow-Headers", "Content-Type, Authorization"},
                     {"Access-Control-Allow-Credentials", "true"},
                     {"Access-Control-Max-Age", "600"},
                     {"Vary", "Origin"}}));
}

TEST(HeaderRulesPreflight, WildcardMinimal) {
  header_rule r = cors_rule("/**", {"*"});
  r.cors.max_age_seconds = 0;
  const header_rules rules({r});
  EXPECT_EQ(preflight(rules, "/x", "https://any.example", "GET", true),
            (headers{{"Access-Control-Allow-Origin", "*"},
                     {"Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"},
                     {"Access-Control-Max-Age", "0"}}));
  // Refused for a wildcard rule: nothing at all, not even Vary.
  EXPECT_TRUE(preflight(rules, "/x", "https://any.example", "DELETE", false).empty());
  EXPECT_TRUE(preflight(rules, "/x", "", "GET", false).empty());
}

TEST(HeaderRulesPreflight, RefusalsAddOnlyVary) {
  const header_rules rules({cors_rule("/api/**", {"https://app.example"}), set_rule("/**", {{"X-A", "1"}})});
  const headers vary_only{{"Vary", "Origin"}};
  EXPECT_EQ(preflight(rules, "/api/x", "https://evil.example", "GET", false), vary_only);
  EXPECT_EQ(preflight(rules, "/api/x", "https://app.example", "get", false), vary_only);  // case-sensitive
  EXPECT_EQ(preflight(rules, "/api/x", "https://app.example", "DELETE", false), vary_only);
  EXPECT_EQ(preflight(rules, "/api/x", "https://app.example", "", false), vary_only);
  EXPECT_EQ(preflight(rules, "/api/x", "https://app.example\r\n", "GET", false), vary_only);
  EXPECT_TRUE(preflight(rules, "/static/x", "https://app.example", "GET", false).empty());
}

TEST(HeaderRulesPreflight, AppendsAfterExistingEntries) {
  const header_rules rules({cors_rule("/**", {"*"})});
  std::vector<response_header> out{{"Allow", "GET"}};
  EXPECT_TRUE(rules.preflight("/", "https://a.example", "HEAD", out));
  ASSERT_GE(out.size(), 2U);
  EXPECT_EQ(out[0].name, "Allow");
  EXPECT_EQ(out[1].name, "Access-Control-Allow-Origin");
}

TEST(HeaderRules, HostileLongPathIsHandled) {
  const header_rules rules({set_rule("/**a**a**a**b", {{"X", "1"}}), cors_rule("/*a*a*a*b", {"https://a.example"})});
  const std::string path = "/" + std::string(64 * 1024, 'a');
  EXPECT_TRUE(apply(rules, path, "https://a.example").empty());
  EXPECT_EQ(apply(rules, path + "b", "https://a.example"),
            (headers{{"X", "1"}, {"Access-Control-Allow-Origin", "https://a.example"}, {"Vary", "Origin"}}));
}

}  // namespace
}  // namespace ferry
