// JWS compact serialization (RFC 7515 §7.1) parsed strictly, before any key is touched:
// exactly three non-empty base64url segments, a header and a payload that are strict JSON
// objects (see jwt_json.hpp), a known `alg`, and none of the header parameters that would let
// the token choose its own key or change the processing rules.
//
// jwt_parse_compact is the fuzzing entry point: any bytes in, a verdict out, no crash, and
// time and memory linear in the input (which is first bounded by max_token_bytes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "modules/auth/jwt_algorithm.hpp"
#include "modules/auth/jwt_json.hpp"
#include "modules/auth/jwt_verdict.hpp"

namespace ferry {

struct jwt_parse_limits {
  std::size_t max_token_bytes = 8 * 1024;
  // JSON nesting in the header and the claims; the top-level object counts as 1.
  std::size_t max_json_depth = 8;
};

struct jwt_token {
  jwt_algorithm algorithm = jwt_algorithm::hs256;
  std::optional<std::string> kid;
  json_value header;
  json_value claims;
  // "header.payload": the bytes the signature covers. Points into the parsed token text, so
  // it is valid only while that text is.
  std::string_view signing_input;
  std::string signature;  // decoded
};

// Parses `text`. Returns ok and fills `out`, or the first refusal:
//   too_long          longer than limits.max_token_bytes
//   malformed         not 3 segments, an empty segment, non-canonical base64url (padding, '+',
//                     '/', whitespace, nonzero trailing bits), header or payload not a strict
//                     JSON object (duplicate names, bad UTF-8, too deep), kid or typ not a string
//   unsupported_alg   alg absent, not a string, unknown, or "none" in any case
//   forbidden_header  jwk, jku, x5u, x5c or crit present (RFC 8725 §3.10: a token must not pick
//                     its own key; crit would demand extensions ferry does not implement),
//                     b64 other than true (RFC 7797 unencoded payloads), or cty "JWT" (nested)
// An empty `text` is malformed; the caller reports a missing token as `missing` before that.
jwt_verdict jwt_parse_compact(std::string_view text, const jwt_parse_limits& limits,
                              jwt_token& out);

}  // namespace ferry
