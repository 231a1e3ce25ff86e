// Tokens and keys made by an independent implementation (PyJWT + python3-cryptography, see
// fixtures/jwt/make_fixtures.py): every token gets the verdict the generator recorded, with
// the keys loaded from PEM files and, separately, from the JWKS.
#include <gtest/gtest.h>

#include <set>

#include "modules/auth/jwt_test_support.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

std::shared_ptr<const jwt_key_set> load(const std::vector<jwt_key_source>& sources) {
  auto loaded = load_jwt_key_set(sources);
  EXPECT_EQ(loaded.error, "");
  EXPECT_TRUE(loaded.warnings.empty());
  return loaded.keys;
}

void expect_fixture_verdicts(const jwt_key_set& keys) {
  const auto tokens = load_tokens();
  // The generator writes ~100 tokens: a missing or truncated file must fail, not pass empty.
  ASSERT_GE(tokens.size(), 90u);
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  std::set<std::string> seen;
  for (const auto& token : tokens) {
    const auto result = verifier.verify(token.token, keys);
    EXPECT_EQ(to_string(result.verdict), token.verdict) << token.name;
    EXPECT_EQ(result.claims != nullptr, result.verdict == jwt_verdict::ok) << token.name;
    seen.insert(std::string(to_string(result.verdict)));
  }
  // Every refusal class the brief names is exercised.
  for (const char* verdict : {"ok", "missing", "too_long", "malformed", "unsupported_alg",
                              "forbidden_header", "unknown_key", "alg_mismatch", "bad_signature",
                              "expired", "not_yet_valid", "issued_in_future", "wrong_issuer",
                              "wrong_audience", "missing_claim", "invalid_claim"}) {
    EXPECT_TRUE(seen.count(verdict)) << verdict;
  }
}

TEST(JwtFixtures, VerdictsWithPemKeys) {
  const auto keys = load(fixture_pem_sources());
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->keys().size(), 12u);
  expect_fixture_verdicts(*keys);
}

TEST(JwtFixtures, VerdictsWithJwks) {
  const auto keys = load(fixture_jwks_sources());
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->keys().size(), 12u);
  expect_fixture_verdicts(*keys);
}

TEST(JwtFixtures, EveryAlgorithmVerifies) {
  const auto keys = load(fixture_pem_sources());
  ASSERT_TRUE(keys);
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  for (const char* name : {"valid_rs256", "valid_rs384", "valid_rs512", "valid_ps256",
                           "valid_ps384", "valid_ps512", "valid_es256", "valid_es384",
                           "valid_eddsa", "valid_hs256", "valid_hs384", "valid_hs512"}) {
    const auto result = verifier.verify(token_named(name), *keys);
    ASSERT_EQ(result.verdict, jwt_verdict::ok) << name;
    EXPECT_EQ(result.claims->subject(), "alice");
  }
}

TEST(JwtFixtures, ValidTokensAlsoPassAtWallClockTime) {
  // The fixtures expire in 2100, so the default clock accepts them too.
  const auto keys = load(fixture_pem_sources());
  ASSERT_TRUE(keys);
  const jwt_verifier verifier(fixture_options());
  EXPECT_EQ(verifier.verify(token_named("valid_es384"), *keys).verdict, jwt_verdict::ok);
  EXPECT_EQ(verifier.verify(token_named("claims_expired"), *keys).verdict, jwt_verdict::expired);
}

TEST(JwtFixtures, ExposesClaimsForPolicies) {
  const auto keys = load(fixture_jwks_sources());
  ASSERT_TRUE(keys);
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  auto result = verifier.verify(token_named("valid_ps256"), *keys);
  ASSERT_EQ(result.verdict, jwt_verdict::ok);
  const jwt_claims& claims = *result.claims;
  EXPECT_EQ(claims.subject(), "alice");
  EXPECT_EQ(claims.issuer(), fixture_issuer);
  EXPECT_EQ(claims.expires_at(), 4'102'444'800);
  ASSERT_TRUE(claims.string_array_claim("roles"));
  EXPECT_EQ(*claims.string_array_claim("roles"),
            (std::vector<std::string_view>{"reader", "editor"}));
  EXPECT_EQ(claims.values("roles"), (std::vector<std::string_view>{"reader", "editor"}));
  EXPECT_EQ(claims.values("aud"), (std::vector<std::string_view>{"ferry-tests"}));
  EXPECT_EQ(claims.scopes(), (std::vector<std::string_view>{"files:read", "files:write"}));
  EXPECT_FALSE(claims.string_claim("roles"));
  EXPECT_FALSE(claims.string_array_claim("sub"));
  EXPECT_TRUE(claims.values("nothing").empty());
  EXPECT_EQ(claims.number_claim("iat"), 1'699'999'900.0);

  result = verifier.verify(token_named("valid_unicode"), *keys);
  ASSERT_EQ(result.verdict, jwt_verdict::ok);
  EXPECT_EQ(result.claims->subject(), "\xc3\xa9l\xc3\xa8ve \xf0\x9f\x98\x80");
  result = verifier.verify(token_named("valid_escaped_unicode"), *keys);
  ASSERT_EQ(result.verdict, jwt_verdict::ok);
  EXPECT_EQ(result.claims->subject(), "\xf0\x9f\x98\x80");
}

TEST(JwtFixtures, CertificateGivesItsPublicKey) {
  jwt_key_source source;
  source.type = jwt_key_source::kind::public_key_pem;
  source.path = (fixture_dir() / "keys" / "rsa.cert.pem").string();
  source.algorithm = jwt_algorithm::rs256;
  const auto keys = load({source});
  ASSERT_TRUE(keys);
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  EXPECT_EQ(verifier.verify(token_named("valid_rs256_no_kid"), *keys).verdict, jwt_verdict::ok);
  // A kid that no key carries reaches the kid-less key.
  EXPECT_EQ(verifier.verify(token_named("valid_rs256"), *keys).verdict, jwt_verdict::ok);
  // An RS384 token finds no RS384 key.
  EXPECT_EQ(verifier.verify(token_named("valid_rs384"), *keys).verdict, jwt_verdict::unknown_key);
}

TEST(JwtFixtures, RsaKeyBoundToRs256RefusesHmacConfusion) {
  // Only the RSA key is configured, without kid: the HS256 token signed with the PEM's bytes
  // has no HS256 key to reach.
  jwt_key_source source;
  source.type = jwt_key_source::kind::public_key_pem;
  source.path = (fixture_dir() / "keys" / "rsa.pub.pem").string();
  source.algorithm = jwt_algorithm::rs256;
  const auto keys = load({source});
  ASSERT_TRUE(keys);
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  EXPECT_EQ(verifier.verify(token_named("confusion_hs256_rsa_pem_no_kid"), *keys).verdict,
            jwt_verdict::unknown_key);
  EXPECT_EQ(verifier.verify(token_named("confusion_hs256_rsa_pem_kid"), *keys).verdict,
            jwt_verdict::unknown_key);
  // And the PEM itself cannot be configured as an HMAC secret.
  source.type = jwt_key_source::kind::secret_file;
  source.algorithm = jwt_algorithm::hs256;
  const auto refused = load_jwt_key_set({source});
  EXPECT_FALSE(refused.keys);
  EXPECT_NE(refused.error.find("PEM"), std::string::npos) << refused.error;
}

TEST(JwtFixtures, KeyFilesThatDoNotFitAreRefused) {
  auto refused = [](const char* file, jwt_key_source::kind type, jwt_algorithm alg) {
    jwt_key_source source;
    source.type = type;
    source.path = (fixture_dir() / "keys" / file).string();
    source.algorithm = alg;
    const auto loaded = load_jwt_key_set({source});
    EXPECT_FALSE(loaded.keys) << file;
    EXPECT_FALSE(loaded.error.empty()) << file;
    return loaded.error;
  };
  using kind = jwt_key_source::kind;
  EXPECT_NE(refused("rsa1024.pub.pem", kind::public_key_pem, jwt_algorithm::rs256).find("2048"),
            std::string::npos);
  EXPECT_NE(refused("ec256.private.pem", kind::public_key_pem, jwt_algorithm::es256)
                .find("private"),
            std::string::npos);
  refused("ec256.pub.pem", kind::public_key_pem, jwt_algorithm::es384);  // wrong curve
  refused("ec256.pub.pem", kind::public_key_pem, jwt_algorithm::rs256);
  refused("rsa.pub.pem", kind::public_key_pem, jwt_algorithm::eddsa);
  refused("rsa.pub.pem", kind::public_key_pem, jwt_algorithm::hs256);
  refused("ed25519.pub.pem", kind::public_key_pem, jwt_algorithm::es256);
  refused("hs256.secret", kind::secret_file, jwt_algorithm::rs256);
  refused("hs256.secret", kind::secret_file, jwt_algorithm::hs512);  // 43 bytes < 64
  refused("hs256.secret", kind::public_key_pem, jwt_algorithm::hs256);
  refused("no-such-file.pem", kind::public_key_pem, jwt_algorithm::rs256);

  jwt_key_source no_alg;
  no_alg.type = kind::public_key_pem;
  no_alg.path = (fixture_dir() / "keys" / "rsa.pub.pem").string();
  EXPECT_FALSE(load_jwt_key_set({no_alg}).keys);
  EXPECT_FALSE(load_jwt_key_set({}).keys);
}

TEST(JwtFixtures, DuplicateKidAndAlgIsRefused) {
  auto sources = fixture_pem_sources();
  sources.push_back(sources.front());
  const auto loaded = load_jwt_key_set(sources);
  EXPECT_FALSE(loaded.keys);
  EXPECT_NE(loaded.error.find("rsa-rs256"), std::string::npos) << loaded.error;
}

TEST(JwtFixtures, MixedJwksKeepsOnlyUsableKeys) {
  jwt_key_source source;
  source.type = jwt_key_source::kind::jwks_file;
  source.path = (fixture_dir() / "jwks_mixed.json").string();
  auto loaded = load_jwt_key_set({source});
  ASSERT_TRUE(loaded.keys) << loaded.error;
  ASSERT_EQ(loaded.keys->keys().size(), 1u);
  EXPECT_EQ(loaded.keys->keys()[0].kid, "good");
  EXPECT_EQ(loaded.keys->keys()[0].algorithm, jwt_algorithm::es256);
  EXPECT_EQ(loaded.warnings.size(), 13u);
  for (const char* why : {"no alg", "use", "key_ops", "private", "does not fit", "crv",
                          "unsupported alg", "2048", "EC point", "32 bytes", "kty XYZ",
                          "not a JSON object"}) {
    bool found = false;
    for (const auto& warning : loaded.warnings) found = found || warning.find(why) != std::string::npos;
    EXPECT_TRUE(found) << why;
  }

  // A JWK without alg takes the algorithm configured for the JWKS.
  source.algorithm = jwt_algorithm::rs256;
  loaded = load_jwt_key_set({source});
  ASSERT_TRUE(loaded.keys) << loaded.error;
  ASSERT_EQ(loaded.keys->keys().size(), 2u);
  EXPECT_EQ(loaded.keys->keys()[1].kid, "noalg");
  EXPECT_EQ(loaded.keys->keys()[1].algorithm, jwt_algorithm::rs256);
}

}  // namespace
}  // namespace ferry
