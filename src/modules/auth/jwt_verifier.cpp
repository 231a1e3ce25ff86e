#include "modules/auth/jwt_verifier.hpp"

#include <array>

#include "modules/auth/jwt_signature.hpp"
#include "modules/auth/jwt_token.hpp"

namespace ferry {

jwt_verifier::jwt_verifier(jwt_verifier_options options, clock_function clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  rules_.issuers = options_.issuers;
  rules_.audiences = options_.audiences;
  rules_.required_claims = options_.required_claims;
  rules_.leeway = options_.leeway;
  rules_.require_exp = options_.require_exp;
}

std::int64_t jwt_verifier::now_seconds() const {
  const auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
}

jwt_result jwt_verifier::verify(std::string_view token, const jwt_key_set& keys,
                                jwt_token_cache* cache) const {
  jwt_result result;
  if (token.empty()) return result;  // missing
  if (token.size() > options_.max_token_bytes) {
    result.verdict = jwt_verdict::too_long;
    return result;
  }
  const std::int64_t now = now_seconds();
  if (cache != nullptr) {
    if (auto claims = cache->find(token, keys.generation(), now)) {
      result.verdict = jwt_verdict::ok;
      result.claims = std::move(claims);
      result.from_cache = true;
      return result;
    }
  }

  jwt_token parsed;
  const jwt_parse_limits limits{options_.max_token_bytes, options_.max_json_depth};
  result.verdict = jwt_parse_compact(token, limits, parsed);
  if (result.verdict != jwt_verdict::ok) return result;

  std::vector<const jwt_key*> candidates;
  bool alg_mismatch = false;
  keys.candidates(parsed.algorithm, parsed.kid ? &*parsed.kid : nullptr,
                  options_.max_keys_per_token, candidates, alg_mismatch);
  if (candidates.empty()) {
    result.verdict = alg_mismatch ? jwt_verdict::alg_mismatch : jwt_verdict::unknown_key;
    return result;
  }
  bool verified = false;
  for (const jwt_key* key : candidates) {
    // candidates() returns only keys bound to the token's alg; checked again here because this
    // equality is the whole defence against algorithm confusion.
    if (key->algorithm != parsed.algorithm) continue;
    if (jwt_verify_signature(*key, parsed.signing_input, parsed.signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    result.verdict = jwt_verdict::bad_signature;
    return result;
  }

  std::optional<std::int64_t> valid_until;
  result.verdict = validate_jwt_claims(parsed.claims, rules_, now, valid_until);
  if (result.verdict != jwt_verdict::ok) return result;
  auto claims = std::make_shared<const jwt_claims>(std::move(parsed.claims));
  if (cache != nullptr) cache->insert(token, keys.generation(), claims, valid_until, now);
  result.claims = std::move(claims);
  return result;
}

std::string_view jwt_bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return {};
  }
  std::string_view rest = authorization.substr(scheme.size());
  if (rest.front() != ' ') return {};
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". Tokens are long
  // and arrive on every request: one table lookup per byte.
  static constexpr auto token_chars = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) {
      table[static_cast<std::size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                           c == '~' || c == '+' || c == '/';
    }
    return table;
  }();
  std::size_t i = 0;
  while (i < rest.size() && token_chars[static_cast<unsigned char>(rest[i])]) ++i;
  if (i == 0) return {};
  while (i < rest.size() && rest[i] == '=') ++i;
  if (i != rest.size()) return {};
  return rest;
}

}  // namespace ferry
