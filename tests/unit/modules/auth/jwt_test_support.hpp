// Shared by the jwt_*_test.cpp files: the committed fixtures (made by
// fixtures/jwt/make_fixtures.py with PyJWT and python3-cryptography), a settable clock, and
// an EVP token minter for cases that depend on time or need a fresh key.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/jwt_algorithm.hpp"
#include "modules/auth/jwt_base64url.hpp"
#include "modules/auth/jwt_key.hpp"
#include "modules/auth/jwt_key_set.hpp"
#include "modules/auth/jwt_verifier.hpp"

// The source tree, found from this file's path (tests/unit/modules/auth/ is four levels below
// it), so that the tests need no CMake change.
#ifndef FERRY_SOURCE_DIR
#define FERRY_SOURCE_DIR                                                                      \
  (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() \
       .parent_path())
#endif

namespace ferry::jwt_test {

// The clock the fixtures were made for (tokens.txt's header says the same).
inline constexpr std::int64_t fixture_now = 1'700'000'000;
inline const std::string fixture_issuer = "https://issuer.example";
inline const std::string fixture_audience = "ferry-tests";

inline std::filesystem::path fixture_dir() {
  return std::filesystem::path(FERRY_SOURCE_DIR) / "tests" / "unit" / "modules" / "auth" /
         "fixtures" / "jwt";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct fixture_token {
  std::string name;
  std::string verdict;
  std::string token;
};

// tokens.txt: "name<TAB>verdict<TAB>token" lines, '#' comments.
inline std::vector<fixture_token> load_tokens() {
  std::vector<fixture_token> tokens;
  std::istringstream lines(read_text(fixture_dir() / "tokens.txt"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto first = line.find('\t');
    const auto second = line.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    tokens.push_back({line.substr(0, first), line.substr(first + 1, second - first - 1),
                      line.substr(second + 1)});
  }
  return tokens;
}

inline std::string token_named(const std::string& name) {
  for (auto& token : load_tokens()) {
    if (token.name == name) return token.token;
  }
  ADD_FAILURE() << "no fixture token " << name;
  return {};
}

// A clock the test moves: every verifier made with clock() reads `seconds`.
struct test_clock {
  std::shared_ptr<std::int64_t> seconds = std::make_shared<std::int64_t>(fixture_now);

  jwt_verifier::clock_function clock() const {
    auto now = seconds;
    return [now] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(*now));
    };
  }
};

inline jwt_verifier_options fixture_options() {
  jwt_verifier_options options;
  options.issuers = {fixture_issuer};
  options.audiences = {fixture_audience};
  return options;
}

// The fixture keys as PEM/secret sources, under the kids the fixture tokens carry.
inline std::vector<jwt_key_source> fixture_pem_sources() {
  const auto keys = fixture_dir() / "keys";
  std::vector<jwt_key_source> sources;
  auto pem = [&](const char* file, jwt_algorithm alg, const char* kid) {
    jwt_key_source source;
    source.type = jwt_key_source::kind::public_key_pem;
    source.path = (keys / file).string();
    source.algorithm = alg;
    source.kid = kid;
    sources.push_back(source);
  };
  auto secret = [&](const char* file, jwt_algorithm alg, const char* kid) {
    jwt_key_source source;
    source.type = jwt_key_source::kind::secret_file;
    source.path = (keys / file).string();
    source.algorithm = alg;
    source.kid = kid;
    sources.push_back(source);
  };
  pem("rsa.pub.pem", jwt_algorithm::rs256, "rsa-rs256");
  pem("rsa.pub.pem", jwt_algorithm::rs384, "rsa-rs384");
  pem("rsa.pub.pem", jwt_algorithm::rs512, "rsa-rs512");
  pem("rsa.pub.pem", jwt_algorithm::ps256, "rsa-ps256");
  pem("rsa.pub.pem", jwt_algorithm::ps384, "rsa-ps384");
  pem("rsa.pub.pem", jwt_algorithm::ps512, "rsa-ps512");
  pem("ec256.pub.pem", jwt_algorithm::es256, "ec256");
  pem("ec384.pub.pem", jwt_algorithm::es384, "ec384");
  pem("ed25519.pub.pem", jwt_algorithm::eddsa, "ed25519");
  secret("hs256.secret", jwt_algorithm::hs256, "hs256");
  secret("hs384.secret", jwt_algorithm::hs384, "hs384");
  secret("hs512.secret", jwt_algorithm::hs512, "hs512");
  return sources;
}

inline std::vector<jwt_key_source> fixture_jwks_sources() {
  jwt_key_source source;
  source.type = jwt_key_source::kind::jwks_file;
  source.path = (fixture_dir() / "jwks.json").string();
  return {source};
}

// --- Minting with EVP ------------------------------------------------------------------------

using pkey_ptr = std::shared_ptr<EVP_PKEY>;

inline pkey_ptr generate_key(jwt_algorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (key_family(algorithm)) {
    case jwt_key_family::rsa:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
      break;
    case jwt_key_family::ec:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC",
                              algorithm == jwt_algorithm::es256 ? "P-256" : "P-384");
      break;
    case jwt_key_family::okp:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case jwt_key_family::hmac:
      break;
  }
  return pkey_ptr(key, EVP_PKEY_free);
}

// A verification key for `private_key` (OpenSSL verifies with a private key object too).
inline jwt_key public_key_for(const pkey_ptr& private_key, jwt_algorithm algorithm,
                              std::string kid = {}) {
  EVP_PKEY_up_ref(private_key.get());
  jwt_key key;
  std::string error;
  EXPECT_TRUE(make_jwt_public_key(private_key.get(), algorithm, std::move(kid), "test", key,
                                  error))
      << error;
  return key;
}

// The JWS signature (JOSE form) of `input`.
inline std::string sign(jwt_algorithm algorithm, EVP_PKEY* key, std::string_view secret,
                        std::string_view input) {
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (key_family(algorithm) == jwt_key_family::hmac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name(algorithm), nullptr, secret.data(),
              secret.size(), data, input.size(), mac, sizeof mac, &length);
    return std::string(reinterpret_cast<char*>(mac), length);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const char* digest = digest_name(algorithm);
  EVP_DigestSignInit_ex(ctx, &pctx, *digest != '\0' ? digest : nullptr, nullptr, nullptr, key,
                        nullptr);
  if (algorithm == jwt_algorithm::ps256 || algorithm == jwt_algorithm::ps384 ||
      algorithm == jwt_algorithm::ps512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t length = 0;
  EVP_DigestSign(ctx, nullptr, &length, data, input.size());
  std::string signature(length, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                 input.size());
  signature.resize(length);
  EVP_MD_CTX_free(ctx);
  if (key_family(algorithm) != jwt_key_family::ec) return signature;
  // DER ECDSA-Sig-Value to JOSE r || s.
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
  const std::size_t size = digest_size(algorithm);
  std::string raw(2 * size, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()),
               static_cast<int>(size));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data() + size),
               static_cast<int>(size));
  ECDSA_SIG_free(sig);
  return raw;
}

// header.payload.signature from JSON texts.
inline std::string mint(std::string_view header_json, std::string_view payload_json,
                        jwt_algorithm algorithm, EVP_PKEY* key, std::string_view secret = {}) {
  const std::string input =
      base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return input + "." + base64url_encode(sign(algorithm, key, secret, input));
}

inline std::string header_for(jwt_algorithm algorithm, std::string_view kid = {}) {
  std::string header = "{\"alg\":\"" + std::string(to_string(algorithm)) + "\"";
  if (!kid.empty()) header += ",\"kid\":\"" + std::string(kid) + "\"";
  return header + "}";
}

// Claims with the fixture issuer and audience, and the given time members (0 = absent).
inline std::string claims_json(std::int64_t exp, std::int64_t nbf = 0, std::int64_t iat = 0,
                               std::string_view extra = {}) {
  std::string json = "{\"iss\":\"" + fixture_issuer + "\",\"aud\":\"" + fixture_audience +
                     "\",\"sub\":\"bob\"";
  if (exp != 0) json += ",\"exp\":" + std::to_string(exp);
  if (nbf != 0) json += ",\"nbf\":" + std::to_string(nbf);
  if (iat != 0) json += ",\"iat\":" + std::to_string(iat);
  if (!extra.empty()) json += "," + std::string(extra);
  return json + "}";
}

}  // namespace ferry::jwt_test
