// Bearer-token verification: parse strictly, pick the configured key(s) bound to the token's
// alg, check the signature with EVP, then the claims; optionally through a per-worker cache of
// verified tokens. Built once from config values (an immutable options struct); verify() is
// const and never throws (apart from std::bad_alloc).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/jwt_claims.hpp"
#include "modules/auth/jwt_key_set.hpp"
#include "modules/auth/jwt_token_cache.hpp"
#include "modules/auth/jwt_verdict.hpp"

namespace ferry {

struct jwt_verifier_options {
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  std::vector<std::string> required_claims;
  std::chrono::seconds leeway{60};
  bool require_exp = true;
  std::size_t max_token_bytes = 8 * 1024;
  std::size_t max_json_depth = 8;
  // Keys tried for one token (several keys can share a kid-less alg): bounds the CPU an
  // attacker can spend per request.
  std::size_t max_keys_per_token = 4;
};

struct jwt_result {
  jwt_verdict verdict = jwt_verdict::missing;
  std::shared_ptr<const jwt_claims> claims;  // set only when verdict == ok
  bool from_cache = false;
};

class jwt_verifier {
 public:
  using clock_function = std::function<std::chrono::system_clock::time_point()>;

  // `clock` defaults to system_clock::now; tests pass a fixed one for exp/nbf/iat.
  explicit jwt_verifier(jwt_verifier_options options, clock_function clock = {});

  // Verifies `token` (the credentials after "Bearer ", see jwt_bearer_token). `cache` may be
  // null; when given it must belong to the calling worker and to this verifier.
  jwt_result verify(std::string_view token, const jwt_key_set& keys,
                    jwt_token_cache* cache = nullptr) const;

  const jwt_verifier_options& options() const { return options_; }

 private:
  std::int64_t now_seconds() const;

  jwt_verifier_options options_;
  jwt_claim_rules rules_;
  clock_function clock_;
};

// The token of an `Authorization: Bearer <token>` header value (RFC 6750 §2.1: scheme
// case-insensitive, one or more spaces, a token68), or "" when the value is not that.
std::string_view jwt_bearer_token(std::string_view authorization);

}  // namespace ferry
