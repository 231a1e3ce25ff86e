// Signatures minted here with EVP (fresh keys per run) for every algorithm, the ECDSA
// conversion's refusals, and key binding: a token verifies only with a key bound to its alg.
#include <gtest/gtest.h>

#include "modules/auth/jwt_signature.hpp"
#include "modules/auth/jwt_test_support.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

constexpr jwt_algorithm asymmetric[] = {
    jwt_algorithm::rs256, jwt_algorithm::rs384, jwt_algorithm::rs512, jwt_algorithm::ps256,
    jwt_algorithm::ps384, jwt_algorithm::ps512, jwt_algorithm::es256, jwt_algorithm::es384,
    jwt_algorithm::eddsa};

TEST(JwtSignature, EveryAsymmetricAlgorithmRoundTrips) {
  const auto rsa = generate_key(jwt_algorithm::rs256);
  for (const jwt_algorithm alg : asymmetric) {
    const auto key = key_family(alg) == jwt_key_family::rsa ? rsa : generate_key(alg);
    ASSERT_TRUE(key) << to_string(alg);
    const jwt_key verify_key = public_key_for(key, alg);
    const std::string input = "eyJhbGciOiJYIn0.eyJzdWIiOiJ4In0";
    std::string signature = sign(alg, key.get(), {}, input);
    EXPECT_TRUE(jwt_verify_signature(verify_key, input, signature)) << to_string(alg);
    EXPECT_FALSE(jwt_verify_signature(verify_key, input + "x", signature)) << to_string(alg);
    signature[signature.size() / 2] = static_cast<char>(signature[signature.size() / 2] ^ 1);
    EXPECT_FALSE(jwt_verify_signature(verify_key, input, signature)) << to_string(alg);
    EXPECT_FALSE(jwt_verify_signature(verify_key, input, "")) << to_string(alg);
  }
}

TEST(JwtSignature, HmacRoundTripsAndComparesWholeMac) {
  for (const jwt_algorithm alg :
       {jwt_algorithm::hs256, jwt_algorithm::hs384, jwt_algorithm::hs512}) {
    const std::string secret(64, 'k');
    jwt_key key;
    std::string error;
    ASSERT_TRUE(make_jwt_key_from_secret(secret, alg, "", "test", key, error)) << error;
    const std::string signature = sign(alg, nullptr, secret, "a.b");
    EXPECT_TRUE(jwt_verify_signature(key, "a.b", signature));
    EXPECT_FALSE(jwt_verify_signature(key, "a.b", signature.substr(0, signature.size() - 1)));
    EXPECT_FALSE(jwt_verify_signature(key, "a.b", signature + "x"));
    EXPECT_FALSE(jwt_verify_signature(key, "a.c", signature));
  }
}

TEST(JwtSignature, RsaAlgorithmsDoNotCrossVerify) {
  // One RSA key bound once per algorithm: an RS256 signature is no PS256 or RS384 signature.
  const auto rsa = generate_key(jwt_algorithm::rs256);
  const std::string input = "x.y";
  const std::string rs256 = sign(jwt_algorithm::rs256, rsa.get(), {}, input);
  EXPECT_TRUE(jwt_verify_signature(public_key_for(rsa, jwt_algorithm::rs256), input, rs256));
  EXPECT_FALSE(jwt_verify_signature(public_key_for(rsa, jwt_algorithm::ps256), input, rs256));
  EXPECT_FALSE(jwt_verify_signature(public_key_for(rsa, jwt_algorithm::rs384), input, rs256));
}

TEST(JwtSignature, EcdsaConversionRefusesPsychicAndOutOfRangeValues) {
  const auto ec = generate_key(jwt_algorithm::es256);
  const jwt_key key = public_key_for(ec, jwt_algorithm::es256);
  ASSERT_EQ(key.ec_order.size(), 32u);
  const std::string good = sign(jwt_algorithm::es256, ec.get(), {}, "in");
  ASSERT_TRUE(jwt_verify_signature(key, "in", good));
  std::string der;
  EXPECT_TRUE(jose_ecdsa_to_der(good, key.ec_order, der));
  EXPECT_EQ(static_cast<unsigned char>(der[0]), 0x30);  // SEQUENCE

  const std::string zero(32, '\0');
  const std::string r = good.substr(0, 32);
  const std::string s = good.substr(32);
  for (const std::string& bad : {zero + zero, zero + s, r + zero, key.ec_order + s,
                                 r + key.ec_order, std::string(32, '\xff') + s,
                                 good.substr(0, 63), good + '\0', std::string()}) {
    EXPECT_FALSE(jose_ecdsa_to_der(bad, key.ec_order, der));
    EXPECT_FALSE(jwt_verify_signature(key, "in", bad));
  }
  // One below the order is in range (the conversion accepts; the signature is still wrong).
  std::string below = key.ec_order;
  below.back() = static_cast<char>(below.back() - 1);
  EXPECT_TRUE(jose_ecdsa_to_der(below + s, key.ec_order, der));
  EXPECT_FALSE(jwt_verify_signature(key, "in", below + s));
}

TEST(JwtSignature, VerifierUsesOnlyKeysBoundToTheTokenAlg) {
  const auto ec = generate_key(jwt_algorithm::es256);
  const std::string secret(32, 's');
  jwt_key hmac;
  std::string error;
  ASSERT_TRUE(make_jwt_key_from_secret(secret, jwt_algorithm::hs256, "shared", "test", hmac, error));
  std::vector<jwt_key> keys{public_key_for(ec, jwt_algorithm::es256, "ec"), hmac};
  const jwt_key_set set(std::move(keys));
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  const std::string claims = claims_json(fixture_now + 600);

  EXPECT_EQ(verifier.verify(mint(header_for(jwt_algorithm::es256, "ec"), claims,
                                 jwt_algorithm::es256, ec.get()),
                            set)
                .verdict,
            jwt_verdict::ok);
  EXPECT_EQ(verifier.verify(mint(header_for(jwt_algorithm::hs256, "shared"), claims,
                                 jwt_algorithm::hs256, nullptr, secret),
                            set)
                .verdict,
            jwt_verdict::ok);
  // HS256 naming the EC key's kid: that key is bound to ES256.
  EXPECT_EQ(verifier.verify(mint(header_for(jwt_algorithm::hs256, "ec"), claims,
                                 jwt_algorithm::hs256, nullptr, secret),
                            set)
                .verdict,
            jwt_verdict::alg_mismatch);
  // ES384 has no key at all.
  const auto ec384 = generate_key(jwt_algorithm::es384);
  EXPECT_EQ(verifier.verify(mint(header_for(jwt_algorithm::es384), claims, jwt_algorithm::es384,
                                 ec384.get()),
                            set)
                .verdict,
            jwt_verdict::unknown_key);
}

TEST(JwtSignature, KeysTriedWithoutKidAreBounded) {
  // Six HS256 keys without kid; the token is signed by the sixth. With the default bound of 4
  // it is never reached (bad_signature); with a bound of 6 it is.
  std::vector<jwt_key> keys;
  for (char c = 'a'; c < 'g'; ++c) {
    jwt_key key;
    std::string error;
    ASSERT_TRUE(make_jwt_key_from_secret(std::string(32, c), jwt_algorithm::hs256, "", "test",
                                         key, error));
    keys.push_back(key);
  }
  const jwt_key_set set(std::move(keys));
  const std::string token = mint(header_for(jwt_algorithm::hs256), claims_json(fixture_now + 60),
                                 jwt_algorithm::hs256, nullptr, std::string(32, 'f'));
  test_clock clock;
  EXPECT_EQ(jwt_verifier(fixture_options(), clock.clock()).verify(token, set).verdict,
            jwt_verdict::bad_signature);
  auto options = fixture_options();
  options.max_keys_per_token = 6;
  EXPECT_EQ(jwt_verifier(options, clock.clock()).verify(token, set).verdict, jwt_verdict::ok);
}

TEST(JwtSignature, BearerTokenExtraction) {
  EXPECT_EQ(jwt_bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(jwt_bearer_token("bearer   abc.def.ghi  "), "abc.def.ghi");
  EXPECT_EQ(jwt_bearer_token("BEARER a-_~+/.b=="), "a-_~+/.b==");
  EXPECT_EQ(jwt_bearer_token("Bearer"), "");
  EXPECT_EQ(jwt_bearer_token("Bearer "), "");
  EXPECT_EQ(jwt_bearer_token("Bearerabc"), "");
  EXPECT_EQ(jwt_bearer_token("Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(jwt_bearer_token("Bearer a b"), "");
  EXPECT_EQ(jwt_bearer_token("Bearer a=b"), "");
  EXPECT_EQ(jwt_bearer_token("Bearer =abc"), "");
  EXPECT_EQ(jwt_bearer_token(""), "");
}

}  // namespace
}  // namespace ferry
