// Why a bearer token was accepted or refused. Every refusal maps to the same response (401 with
// `WWW-Authenticate: Bearer error="invalid_token"`, RFC 6750 §3.1; `missing` gets a bare
// `Bearer` challenge): the reason is for the audit log and metrics only, never for the client,
// so that a client learns nothing about which check failed.
#pragma once

#include <string_view>

namespace ferry {

enum class jwt_verdict {
  ok,
  missing,           // no token at all
  too_long,          // longer than max_token_bytes
  malformed,         // not three segments, bad base64url, header/payload not a strict JSON object
  unsupported_alg,   // alg missing, unknown, or "none" in any spelling
  forbidden_header,  // jwk, jku, x5u, x5c, crit, b64 != true, or a nested token (cty JWT)
  unknown_key,       // no configured key for this kid, or none for this alg without a kid
  alg_mismatch,      // the kid names a key bound to another algorithm
  bad_signature,
  expired,
  not_yet_valid,     // nbf in the future beyond the leeway
  issued_in_future,  // iat in the future beyond the leeway
  wrong_issuer,
  wrong_audience,
  missing_claim,     // exp (when required) or a configured required claim is absent
  invalid_claim,     // a registered claim has the wrong JSON type or an absurd value
};

// A stable snake_case name for logs and metric labels ("bad_signature").
std::string_view to_string(jwt_verdict verdict);

}  // namespace ferry
