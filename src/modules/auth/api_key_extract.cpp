#include "modules/auth/api_key_extract.hpp"

#include "http/char_classes.hpp"
#include "modules/auth/credential_token.hpp"

namespace ferry {
namespace {

presented_api_key verdict(credential_verdict v, std::string_view reason) {
  presented_api_key out;
  out.verdict = v;
  out.reason = reason;
  return out;
}

// tchar of RFC 9110 §5.6.2: what may continue an auth-scheme name.
using char_class::is_tchar;

presented_api_key shaped(std::string_view key) {
  if (key.empty()) return verdict(credential_verdict::malformed, "empty API key");
  if (key.size() > max_api_key_length) return verdict(credential_verdict::malformed, "API key too long");
  if (!credential::visible_ascii(key)) {
    return verdict(credential_verdict::malformed, "API key has characters outside visible ASCII");
  }
  presented_api_key out;
  out.verdict = credential_verdict::ok;
  out.key = key;
  return out;
}

// The one value of header `name`, counting how often it appears (a repeated credential header
// is ambiguous: which one would a proxy in front of us have checked?).
std::string_view single_header(const request& req, std::string_view name, std::size_t& count) {
  std::string_view value;
  count = 0;
  for (const header_view& h : req.headers()) {
    if (iequals(h.name, name)) {
      if (count == 0) value = h.value;
      ++count;
    }
  }
  return value;
}

}  // namespace

presented_api_key parse_bearer(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer";
  if (authorization.size() < scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme)) {
    return verdict(credential_verdict::missing, "Authorization is not Bearer");
  }
  std::string_view rest = authorization.substr(scheme.size());
  if (rest.empty()) return verdict(credential_verdict::malformed, "Bearer without a key");
  if (rest.front() != ' ') {
    // "Bearerx ..." is another scheme's name; "Bearer\t..." is a broken Bearer.
    if (is_tchar(rest.front())) return verdict(credential_verdict::missing, "Authorization is not Bearer");
    return verdict(credential_verdict::malformed, "Bearer not followed by a space");
  }
  // RFC 9110 §11.4: 1*SP between the scheme and the credentials; the parser already removed
  // trailing whitespace from the field value.
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return shaped(rest);
}

presented_api_key parse_api_key_header(std::string_view value, std::size_t count) {
  if (count > 1) return verdict(credential_verdict::malformed, "API key header repeated");
  if (count == 1) return shaped(value);
  return verdict(credential_verdict::missing, "no API key");
}

presented_api_key extract_api_key(const request& req, const api_key_sources& sources) {
  presented_api_key from_bearer = verdict(credential_verdict::missing, "no API key");
  if (sources.bearer) {
    std::size_t count = 0;
    const std::string_view authorization = single_header(req, "Authorization", count);
    if (count > 1) return verdict(credential_verdict::malformed, "Authorization header repeated");
    if (count == 1) from_bearer = parse_bearer(authorization);
    if (from_bearer.verdict == credential_verdict::malformed) return from_bearer;
  }
  presented_api_key from_header = verdict(credential_verdict::missing, "no API key");
  if (!sources.header.empty()) {
    std::size_t count = 0;
    const std::string_view value = single_header(req, sources.header, count);
    from_header = parse_api_key_header(value, count);
    if (from_header.verdict == credential_verdict::malformed) return from_header;
  }
  const bool bearer_ok = from_bearer.verdict == credential_verdict::ok;
  const bool header_ok = from_header.verdict == credential_verdict::ok;
  if (bearer_ok && header_ok) return verdict(credential_verdict::malformed, "API key in two places");
  if (bearer_ok) return from_bearer;
  if (header_ok) return from_header;
  return verdict(credential_verdict::missing, "no API key");
}

credential_result check_api_key(const request& req, const api_key_sources& sources, const api_key_set& set,
                                std::int64_t now) {
  const presented_api_key presented = extract_api_key(req, sources);
  if (presented.verdict != credential_verdict::ok) {
    credential_result result;
    result.verdict = presented.verdict;
    result.reason = presented.reason;
    return result;
  }
  return set.check(presented.key, now);
}

}  // namespace ferry
