// JSON Web Key Sets (RFC 7517) as verification keys: kty RSA (n, e), EC (crv P-256/P-384,
// x, y), OKP (crv Ed25519, x) and oct (k, for HS*).
//
// Every key is bound to one algorithm: the JWK's own `alg`, or, for a JWK without `alg`, the
// `default_algorithm` configured for this JWKS. A JWK without `alg` and no default is skipped
// (with a warning) rather than guessed from its kty: guessing would let one RSA key verify
// RS256, RS512 and PS256 alike. Also skipped with a warning, so that one odd key in an
// identity provider's set does not take down the others: `use` other than "sig", `key_ops`
// without "verify", private key members (d, p, q, ...), an `alg` that does not fit the kty or
// crv, unknown kty/crv/alg, RSA shorter than 2048 bits, and malformed members. A file that is
// not strict JSON, has no "keys" array, or yields no usable key is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/jwt_algorithm.hpp"
#include "modules/auth/jwt_key.hpp"

namespace ferry {

// Largest JWKS document accepted.
inline constexpr std::size_t jwt_max_jwks_bytes = 1024 * 1024;

// Appends the usable keys of the JWKS `text` to `keys`. False with `error` set when the
// document is unusable; `warnings` lists each skipped key and why.
bool parse_jwks(std::string_view text, std::optional<jwt_algorithm> default_algorithm,
                const std::string& origin, std::vector<jwt_key>& keys,
                std::vector<std::string>& warnings, std::string& error);

}  // namespace ferry
