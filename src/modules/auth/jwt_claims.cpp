#include "modules/auth/jwt_claims.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ferry {
namespace {

// Seconds as int64, saturating: NumericDates far outside the int64 range (1e300 is valid
// JSON) must not overflow a conversion.
std::int64_t saturate(double seconds) {
  constexpr double max = 9.0e18;
  if (seconds >= max) return static_cast<std::int64_t>(max);
  if (seconds <= -max) return -static_cast<std::int64_t>(max);
  return static_cast<std::int64_t>(std::floor(seconds));
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

jwt_verdict check_audience(const json_value* aud, const std::vector<std::string>& audiences) {
  if (aud == nullptr) return audiences.empty() ? jwt_verdict::ok : jwt_verdict::missing_claim;
  bool match = false;
  if (aud->is_string()) {
    match = contains(audiences, aud->text);
  } else if (aud->is_array()) {
    for (const auto& item : aud->items) {
      if (!item.is_string()) return jwt_verdict::invalid_claim;
      match = match || contains(audiences, item.text);
    }
  } else {
    return jwt_verdict::invalid_claim;
  }
  return match ? jwt_verdict::ok : jwt_verdict::wrong_audience;
}

}  // namespace

std::optional<std::int64_t> jwt_claims::expires_at() const {
  const auto exp = number_claim("exp");
  if (!exp) return std::nullopt;
  return saturate(*exp);
}

std::optional<std::string_view> jwt_claims::string_claim(std::string_view name) const {
  const json_value* value = payload_.find(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string_view(value->text);
}

std::optional<std::vector<std::string_view>> jwt_claims::string_array_claim(
    std::string_view name) const {
  const json_value* value = payload_.find(name);
  if (value == nullptr || !value->is_array()) return std::nullopt;
  std::vector<std::string_view> out;
  out.reserve(value->items.size());
  for (const auto& item : value->items) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.text);
  }
  return out;
}

std::vector<std::string_view> jwt_claims::values(std::string_view name) const {
  std::vector<std::string_view> out;
  const json_value* value = payload_.find(name);
  if (value == nullptr) return out;
  if (value->is_string()) {
    out.emplace_back(value->text);
  } else if (value->is_array()) {
    for (const auto& item : value->items) {
      if (item.is_string()) out.emplace_back(item.text);
    }
  }
  return out;
}

std::vector<std::string_view> jwt_claims::scopes() const {
  const auto scope = string_claim("scope");
  if (!scope) return values("scp");
  std::vector<std::string_view> out;
  std::string_view rest = *scope;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view item = rest.substr(0, space);
    if (!item.empty()) out.push_back(item);
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return out;
}

std::optional<double> jwt_claims::number_claim(std::string_view name) const {
  const json_value* value = payload_.find(name);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->number;
}

std::optional<bool> jwt_claims::bool_claim(std::string_view name) const {
  const json_value* value = payload_.find(name);
  if (value == nullptr || value->type != json_value::kind::boolean) return std::nullopt;
  return value->boolean;
}

jwt_verdict validate_jwt_claims(const json_value& payload, const jwt_claim_rules& rules,
                                std::int64_t now, std::optional<std::int64_t>& valid_until) {
  valid_until.reset();
  if (!payload.is_object()) return jwt_verdict::malformed;
  const auto leeway = static_cast<double>(rules.leeway.count());
  const auto now_seconds = static_cast<double>(now);

  const json_value* exp = payload.find("exp");
  const json_value* nbf = payload.find("nbf");
  const json_value* iat = payload.find("iat");
  for (const json_value* date : {exp, nbf, iat}) {
    if (date != nullptr && !date->is_number()) return jwt_verdict::invalid_claim;
  }
  for (std::string_view name : {"iss", "sub"}) {
    const json_value* value = payload.find(name);
    if (value != nullptr && !value->is_string()) return jwt_verdict::invalid_claim;
  }
  if (exp == nullptr && rules.require_exp) return jwt_verdict::missing_claim;
  for (const auto& name : rules.required_claims) {
    if (payload.find(name) == nullptr) return jwt_verdict::missing_claim;
  }

  if (exp != nullptr && now_seconds >= exp->number + leeway) return jwt_verdict::expired;
  if (nbf != nullptr && now_seconds + leeway < nbf->number) return jwt_verdict::not_yet_valid;
  if (iat != nullptr && iat->number > now_seconds + leeway) return jwt_verdict::issued_in_future;

  if (!rules.issuers.empty()) {
    const json_value* iss = payload.find("iss");
    if (iss == nullptr) return jwt_verdict::missing_claim;
    if (!contains(rules.issuers, iss->text)) return jwt_verdict::wrong_issuer;
  }
  if (const jwt_verdict verdict = check_audience(payload.find("aud"), rules.audiences);
      verdict != jwt_verdict::ok) {
    return verdict;
  }
  if (exp != nullptr) valid_until = saturate(exp->number + leeway);
  return jwt_verdict::ok;
}

}  // namespace ferry
