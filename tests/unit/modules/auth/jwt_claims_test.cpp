// exp, nbf, iat, iss, aud and required claims against an injected clock, with tokens minted
// here (fresh EC key) so each case names its exact times.
#include <gtest/gtest.h>

#include "modules/auth/jwt_test_support.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

class JwtClaims : public ::testing::Test {
 protected:
  JwtClaims() : key_(generate_key(jwt_algorithm::es256)) {
    std::vector<jwt_key> keys{public_key_for(key_, jwt_algorithm::es256, "k")};
    set_ = std::make_unique<jwt_key_set>(std::move(keys));
  }

  jwt_verdict verify(const std::string& claims, const jwt_verifier_options& options) {
    const std::string token =
        mint(header_for(jwt_algorithm::es256, "k"), claims, jwt_algorithm::es256, key_.get());
    return jwt_verifier(options, clock_.clock()).verify(token, *set_).verdict;
  }
  jwt_verdict verify(const std::string& claims) { return verify(claims, fixture_options()); }

  void set_now(std::int64_t seconds) { *clock_.seconds = seconds; }

  pkey_ptr key_;
  std::unique_ptr<jwt_key_set> set_;
  test_clock clock_;
};

TEST_F(JwtClaims, ExpWithLeeway) {
  const std::int64_t exp = fixture_now + 1000;
  set_now(exp - 1);
  EXPECT_EQ(verify(claims_json(exp)), jwt_verdict::ok);
  set_now(exp + 59);
  EXPECT_EQ(verify(claims_json(exp)), jwt_verdict::ok);
  set_now(exp + 60);
  EXPECT_EQ(verify(claims_json(exp)), jwt_verdict::expired);
  auto strict = fixture_options();
  strict.leeway = std::chrono::seconds(0);
  set_now(exp);
  EXPECT_EQ(verify(claims_json(exp), strict), jwt_verdict::expired);
  set_now(exp - 1);
  EXPECT_EQ(verify(claims_json(exp), strict), jwt_verdict::ok);
}

TEST_F(JwtClaims, FractionalAndHugeDates) {
  set_now(fixture_now);
  const std::string base = "{\"iss\":\"" + fixture_issuer + "\",\"aud\":\"" + fixture_audience + "\"";
  EXPECT_EQ(verify(base + ",\"exp\":1e300}"), jwt_verdict::ok);
  EXPECT_EQ(verify(base + ",\"exp\":-1e300}"), jwt_verdict::expired);
  EXPECT_EQ(verify(base + ",\"exp\":" + std::to_string(fixture_now - 60) + ".5}"),
            jwt_verdict::ok);
  EXPECT_EQ(verify(base + ",\"exp\":" + std::to_string(fixture_now - 60) + "}"),
            jwt_verdict::expired);
  EXPECT_EQ(verify(base + ",\"exp\":\"tomorrow\"}"), jwt_verdict::invalid_claim);
  EXPECT_EQ(verify(base + ",\"exp\":null}"), jwt_verdict::invalid_claim);
  EXPECT_EQ(verify(base + ",\"exp\":4102444800,\"nbf\":true}"), jwt_verdict::invalid_claim);
}

TEST_F(JwtClaims, NotBeforeWithLeeway) {
  const std::int64_t nbf = fixture_now + 1000;
  const std::int64_t exp = fixture_now + 5000;
  set_now(nbf - 61);
  EXPECT_EQ(verify(claims_json(exp, nbf)), jwt_verdict::not_yet_valid);
  set_now(nbf - 60);
  EXPECT_EQ(verify(claims_json(exp, nbf)), jwt_verdict::ok);
  set_now(nbf + 1);
  EXPECT_EQ(verify(claims_json(exp, nbf)), jwt_verdict::ok);
}

TEST_F(JwtClaims, IssuedInTheFuture) {
  const std::int64_t exp = fixture_now + 5000;
  set_now(fixture_now);
  EXPECT_EQ(verify(claims_json(exp, 0, fixture_now + 60)), jwt_verdict::ok);
  EXPECT_EQ(verify(claims_json(exp, 0, fixture_now + 61)), jwt_verdict::issued_in_future);
  EXPECT_EQ(verify(claims_json(exp, 0, fixture_now - 100000)), jwt_verdict::ok);
}

TEST_F(JwtClaims, ExpRequiredUnlessConfigured) {
  set_now(fixture_now);
  EXPECT_EQ(verify(claims_json(0)), jwt_verdict::missing_claim);
  auto options = fixture_options();
  options.require_exp = false;
  EXPECT_EQ(verify(claims_json(0), options), jwt_verdict::ok);
}

TEST_F(JwtClaims, IssuerAndAudience) {
  set_now(fixture_now);
  const std::string exp = ",\"exp\":" + std::to_string(fixture_now + 100);
  auto with = [&](const std::string& members) { return verify("{" + members + exp + "}"); };
  const std::string iss = "\"iss\":\"" + fixture_issuer + "\"";
  EXPECT_EQ(with(iss + ",\"aud\":\"ferry-tests\""), jwt_verdict::ok);
  EXPECT_EQ(with(iss + ",\"aud\":[\"x\",\"ferry-tests\"]"), jwt_verdict::ok);
  EXPECT_EQ(with(iss + ",\"aud\":[]"), jwt_verdict::wrong_audience);
  EXPECT_EQ(with(iss + ",\"aud\":\"Ferry-Tests\""), jwt_verdict::wrong_audience);
  EXPECT_EQ(with(iss + ",\"aud\":[\"ferry-tests\",1]"), jwt_verdict::invalid_claim);
  EXPECT_EQ(with(iss + ",\"aud\":{}"), jwt_verdict::invalid_claim);
  EXPECT_EQ(with(iss), jwt_verdict::missing_claim);
  EXPECT_EQ(with("\"iss\":\"https://issuer.example/\",\"aud\":\"ferry-tests\""),
            jwt_verdict::wrong_issuer);
  EXPECT_EQ(with("\"iss\":[\"x\"],\"aud\":\"ferry-tests\""), jwt_verdict::invalid_claim);
  EXPECT_EQ(with(iss + ",\"aud\":\"ferry-tests\",\"sub\":5"), jwt_verdict::invalid_claim);

  // Several accepted issuers and audiences.
  auto options = fixture_options();
  options.issuers.push_back("https://other.example");
  options.audiences = {"a", "b"};
  EXPECT_EQ(verify("{\"iss\":\"https://other.example\",\"aud\":\"b\"" + exp + "}", options),
            jwt_verdict::ok);
  // No issuer configured: any iss (still a string); no audience configured: aud refused.
  options.issuers.clear();
  options.audiences.clear();
  EXPECT_EQ(verify("{\"iss\":\"anyone\"" + exp + "}", options), jwt_verdict::ok);
  EXPECT_EQ(verify("{\"iss\":\"anyone\",\"aud\":\"b\"" + exp + "}", options),
            jwt_verdict::wrong_audience);
}

TEST_F(JwtClaims, RequiredClaims) {
  set_now(fixture_now);
  auto options = fixture_options();
  options.required_claims = {"sub", "roles"};
  EXPECT_EQ(verify(claims_json(fixture_now + 100), options), jwt_verdict::missing_claim);
  EXPECT_EQ(verify(claims_json(fixture_now + 100, 0, 0, "\"roles\":[]"), options),
            jwt_verdict::ok);
}

TEST_F(JwtClaims, SignatureIsCheckedBeforeClaims) {
  // An expired token with a broken signature is reported as a bad signature: claims of an
  // unauthenticated token are not worth a reason of their own.
  set_now(fixture_now);
  std::string token = mint(header_for(jwt_algorithm::es256, "k"), claims_json(fixture_now - 1000),
                           jwt_algorithm::es256, key_.get());
  token.back() = token.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(jwt_verifier(fixture_options(), clock_.clock()).verify(token, *set_).verdict,
            jwt_verdict::bad_signature);
}

TEST(JwtClaimsView, ScopesAndValues) {
  json_value payload;
  ASSERT_TRUE(json_parse(R"({"scope":"  a b  c ","scp":["x"],"roles":["r",1,"s"],"n":2,
                             "ok":true})",
                         json_limits{}, payload));
  const jwt_claims claims(payload);
  EXPECT_EQ(claims.scopes(), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(claims.values("roles"), (std::vector<std::string_view>{"r", "s"}));
  EXPECT_FALSE(claims.string_array_claim("roles"));
  EXPECT_EQ(claims.number_claim("n"), 2.0);
  EXPECT_EQ(claims.bool_claim("ok"), true);
  EXPECT_FALSE(claims.bool_claim("n"));
  EXPECT_EQ(claims.subject(), "");
  EXPECT_FALSE(claims.expires_at());

  ASSERT_TRUE(json_parse(R"({"scp":["x","y"]})", json_limits{}, payload));
  EXPECT_EQ(jwt_claims(payload).scopes(), (std::vector<std::string_view>{"x", "y"}));
}

}  // namespace
}  // namespace ferry
