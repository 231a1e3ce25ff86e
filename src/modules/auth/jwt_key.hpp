// One verification key, bound to exactly one JWS algorithm. The binding is what prevents
// algorithm confusion: a token is checked only with a key whose algorithm equals the token's
// `alg`, and the key's algorithm alone picks the EVP operation. So an HS256 token can never
// be "verified" by using an RSA public key's bytes as an HMAC secret: an RSA key is bound to
// an RS*/PS* algorithm and only ever reaches EVP_DigestVerify, and an HMAC secret is only ever
// configured as such.
//
// Immutable once made; EVP_PKEY objects are safe for concurrent verification in OpenSSL 3, so
// one key set may be shared by every worker.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "modules/auth/jwt_algorithm.hpp"

namespace ferry {

struct jwt_key {
  jwt_algorithm algorithm = jwt_algorithm::hs256;
  std::string kid;                        // "" when the key has none
  std::shared_ptr<EVP_PKEY> public_key;   // RS*, PS*, ES*, EdDSA
  std::string secret;                     // HS*
  std::string ec_order;                   // ES*: the group order, big-endian, coordinate-sized
  std::string origin;                     // where it came from, for error and audit messages
};

// Shortest RSA modulus accepted (bits). RFC 7518 §3.3 requires 2048.
inline constexpr int jwt_min_rsa_bits = 2048;

// Wraps `key` (ownership taken, also on failure) as a key for `algorithm`, after checking it
// fits: RSA of at least 2048 bits for RS*/PS*, P-256 for ES256, P-384 for ES384, Ed25519 for
// EdDSA. False with `error` set otherwise.
bool make_jwt_public_key(EVP_PKEY* key, jwt_algorithm algorithm, std::string kid,
                         std::string origin, jwt_key& out, std::string& error);

// A public key from PEM text: "PUBLIC KEY" (SubjectPublicKeyInfo) or "CERTIFICATE" (its
// public key; the certificate's dates and issuer are not checked, it is only a container).
// Private keys are refused: ferry only verifies, and a signing key has no business on a server.
bool make_jwt_key_from_pem(std::string_view pem, jwt_algorithm algorithm, std::string kid,
                           std::string origin, jwt_key& out, std::string& error);

// A shared secret for HS256/384/512; at least as long as the digest (32/48/64 bytes, RFC 7518
// §3.2). Refused for any other algorithm.
bool make_jwt_key_from_secret(std::string_view secret, jwt_algorithm algorithm, std::string kid,
                              std::string origin, jwt_key& out, std::string& error);

}  // namespace ferry
