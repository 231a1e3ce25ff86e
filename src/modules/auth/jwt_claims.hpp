// The claims of a verified token, for the policy engine, and the checks of the registered
// claims (RFC 7519 §4.1) that decide whether a correctly signed token is acceptable now.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/jwt_json.hpp"
#include "modules/auth/jwt_verdict.hpp"

namespace ferry {

// Read-only view of a verified token's payload. Immutable, so a cached instance may be handed
// to any number of requests of the worker that owns the cache.
class jwt_claims {
 public:
  jwt_claims() = default;
  explicit jwt_claims(json_value payload) : payload_(std::move(payload)) {}

  // `sub`, or "" when absent.
  std::string_view subject() const { return string_claim("sub").value_or(""); }
  // `iss`, or "" when absent.
  std::string_view issuer() const { return string_claim("iss").value_or(""); }
  // `exp` in whole seconds since the epoch (rounded down), when present.
  std::optional<std::int64_t> expires_at() const;

  bool has(std::string_view name) const { return payload_.find(name) != nullptr; }
  // A top-level claim that is a JSON string.
  std::optional<std::string_view> string_claim(std::string_view name) const;
  // A top-level claim that is an array of strings only (nullopt for anything else; an empty
  // array gives an empty vector).
  std::optional<std::vector<std::string_view>> string_array_claim(std::string_view name) const;
  // The claim as a list of values, the way policies test membership ("roles contains admin"):
  // a string gives itself, an array gives its string items (others ignored), anything else or
  // absent gives nothing. For "scope" (RFC 8693 §4.2, a space-separated string) use scopes().
  std::vector<std::string_view> values(std::string_view name) const;
  // `scope` split on spaces; or, when there is no `scope`, the `scp` array some issuers use.
  std::vector<std::string_view> scopes() const;
  // A top-level claim that is a JSON number / boolean.
  std::optional<double> number_claim(std::string_view name) const;
  std::optional<bool> bool_claim(std::string_view name) const;

  const json_value& payload() const { return payload_; }

 private:
  json_value payload_;
};

struct jwt_claim_rules {
  std::vector<std::string> issuers;          // empty: iss not checked (only its type)
  std::vector<std::string> audiences;        // see validate_jwt_claims
  std::vector<std::string> required_claims;  // must be present, any type
  std::chrono::seconds leeway{60};
  bool require_exp = true;
};

// Checks the registered claims of `payload` at `now` (seconds since the epoch):
//   exp  a number; required unless !require_exp; refused when now >= exp + leeway (expired)
//   nbf  a number; refused when now + leeway < nbf (not_yet_valid)
//   iat  a number; refused when iat > now + leeway (issued_in_future)
//   iss  a string; with `issuers` configured it must be present and equal one (wrong_issuer)
//   aud  a string or an array of strings; with `audiences` configured it must be present and
//        contain one of them; with none configured a token carrying `aud` is refused, as
//        RFC 7519 §4.1.3 requires of a recipient that does not identify itself with a value
//        in it (wrong_audience)
//   sub  a string when present
// Wrong JSON types are invalid_claim; absent required claims are missing_claim.
// On ok, `valid_until` is exp + leeway (seconds), or nullopt without exp.
jwt_verdict validate_jwt_claims(const json_value& payload, const jwt_claim_rules& rules,
                                std::int64_t now, std::optional<std::int64_t>& valid_until);

}  // namespace ferry
