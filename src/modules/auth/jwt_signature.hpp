// JWS signature verification with OpenSSL 3 EVP: the key's own algorithm picks the operation
// (HMAC, RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA, Ed25519); the token's `alg` must already have
// been matched against it by the caller.
#pragma once

#include <string>
#include <string_view>

#include "modules/auth/jwt_key.hpp"

namespace ferry {

// True when `signature` is a valid signature of `signing_input` (the token's
// "header.payload" bytes) under `key`. Never throws; any OpenSSL failure is a refusal.
bool jwt_verify_signature(const jwt_key& key, std::string_view signing_input,
                          std::string_view signature);

// A JOSE ECDSA signature (r || s, each exactly order.size() bytes, big-endian, RFC 7518
// §3.4) as the DER ECDSA-Sig-Value EVP expects. Refuses a wrong length and r or s equal to
// zero (CVE-2022-21449, "psychic signatures") or not below the group order `order`.
bool jose_ecdsa_to_der(std::string_view raw, std::string_view order, std::string& der);

}  // namespace ferry
