#include "modules/auth/jwt_verdict.hpp"

namespace ferry {

std::string_view to_string(jwt_verdict verdict) {
  switch (verdict) {
    case jwt_verdict::ok: return "ok";
    case jwt_verdict::missing: return "missing";
    case jwt_verdict::too_long: return "too_long";
    case jwt_verdict::malformed: return "malformed";
    case jwt_verdict::unsupported_alg: return "unsupported_alg";
    case jwt_verdict::forbidden_header: return "forbidden_header";
    case jwt_verdict::unknown_key: return "unknown_key";
    case jwt_verdict::alg_mismatch: return "alg_mismatch";
    case jwt_verdict::bad_signature: return "bad_signature";
    case jwt_verdict::expired: return "expired";
    case jwt_verdict::not_yet_valid: return "not_yet_valid";
    case jwt_verdict::issued_in_future: return "issued_in_future";
    case jwt_verdict::wrong_issuer: return "wrong_issuer";
    case jwt_verdict::wrong_audience: return "wrong_audience";
    case jwt_verdict::missing_claim: return "missing_claim";
    case jwt_verdict::invalid_claim: return "invalid_claim";
  }
  return "unknown";
}

}  // namespace ferry
