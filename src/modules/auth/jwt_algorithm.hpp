// The JWS algorithms ferry verifies (RFC 7518 §3, RFC 8037 for EdDSA). "none" is not one of
// them in any spelling: an unsigned token is never accepted.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ferry {

enum class jwt_algorithm {
  hs256, hs384, hs512,
  rs256, rs384, rs512,
  ps256, ps384, ps512,
  es256, es384,
  eddsa,
};

enum class jwt_key_family { hmac, rsa, ec, okp };

// The registered name, exactly as JOSE spells it ("HS256", "EdDSA").
std::string_view to_string(jwt_algorithm algorithm);

// The algorithm with this exact (case-sensitive, RFC 7515 §4.1.1) name, or nullopt for unknown
// names, "none", and any case variant.
std::optional<jwt_algorithm> parse_jwt_algorithm(std::string_view name);

jwt_key_family key_family(jwt_algorithm algorithm);

// The digest name for EVP ("SHA256"), or "" for EdDSA, which hashes internally.
const char* digest_name(jwt_algorithm algorithm);

// For HS*: the digest size, also the shortest secret ferry accepts (RFC 7518 §3.2).
// For ES*: the size of one coordinate (r and s are each this long in a JOSE signature).
std::size_t digest_size(jwt_algorithm algorithm);

}  // namespace ferry
