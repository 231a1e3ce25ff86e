#include "modules/auth/jwt_token.hpp"

#include <array>

#include "modules/auth/jwt_base64url.hpp"

namespace ferry {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A segment decoded and parsed as a strict JSON object.
bool decode_object(std::string_view segment, const jwt_parse_limits& limits, json_value& out) {
  std::string json;
  if (segment.empty() || !base64url_decode(segment, json)) return false;
  json_limits json_bounds;
  json_bounds.max_bytes = limits.max_token_bytes;
  json_bounds.max_depth = limits.max_json_depth;
  return json_parse(json, json_bounds, out) && out.is_object();
}

jwt_verdict check_header(const json_value& header, jwt_token& out) {
  const json_value* alg = header.find("alg");
  if (alg == nullptr || !alg->is_string()) return jwt_verdict::unsupported_alg;
  // Unknown names and every spelling of "none" end here: parse_jwt_algorithm knows neither.
  const auto algorithm = parse_jwt_algorithm(alg->text);
  if (!algorithm) return jwt_verdict::unsupported_alg;
  out.algorithm = *algorithm;

  constexpr std::array<std::string_view, 5> forbidden{"jwk", "jku", "x5u", "x5c", "crit"};
  for (auto name : forbidden) {
    if (header.find(name) != nullptr) return jwt_verdict::forbidden_header;
  }
  if (const json_value* b64 = header.find("b64"); b64 != nullptr) {
    if (b64->type != json_value::kind::boolean || !b64->boolean) {
      return jwt_verdict::forbidden_header;
    }
  }
  if (const json_value* cty = header.find("cty"); cty != nullptr) {
    if (!cty->is_string()) return jwt_verdict::malformed;
    if (equals_ignoring_case(cty->text, "JWT") ||
        equals_ignoring_case(cty->text, "application/jwt")) {
      return jwt_verdict::forbidden_header;  // a nested JWT: not supported
    }
  }
  if (const json_value* typ = header.find("typ"); typ != nullptr && !typ->is_string()) {
    return jwt_verdict::malformed;
  }
  if (const json_value* kid = header.find("kid"); kid != nullptr) {
    if (!kid->is_string()) return jwt_verdict::malformed;
    out.kid = kid->text;
  }
  return jwt_verdict::ok;
}

}  // namespace

jwt_verdict jwt_parse_compact(std::string_view text, const jwt_parse_limits& limits,
                              jwt_token& out) {
  out = jwt_token{};
  if (text.size() > limits.max_token_bytes) return jwt_verdict::too_long;
  const std::size_t first = text.find('.');
  if (first == std::string_view::npos) return jwt_verdict::malformed;
  const std::size_t second = text.find('.', first + 1);
  if (second == std::string_view::npos) return jwt_verdict::malformed;
  if (text.find('.', second + 1) != std::string_view::npos) return jwt_verdict::malformed;

  const std::string_view header_segment = text.substr(0, first);
  const std::string_view payload_segment = text.substr(first + 1, second - first - 1);
  const std::string_view signature_segment = text.substr(second + 1);
  if (signature_segment.empty() || !base64url_decode(signature_segment, out.signature) ||
      out.signature.empty()) {
    return jwt_verdict::malformed;
  }
  if (!decode_object(header_segment, limits, out.header)) return jwt_verdict::malformed;
  if (const jwt_verdict verdict = check_header(out.header, out); verdict != jwt_verdict::ok) {
    return verdict;
  }
  if (!decode_object(payload_segment, limits, out.claims)) return jwt_verdict::malformed;
  out.signing_input = text.substr(0, second);
  return jwt_verdict::ok;
}

}  // namespace ferry
