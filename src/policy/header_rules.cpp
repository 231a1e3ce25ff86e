#include "policy/header_rules.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>

namespace ferry {

namespace {

constexpr std::string_view allow_origin_name = "Access-Control-Allow-Origin";
constexpr std::string_view allow_credentials_name = "Access-Control-Allow-Credentials";
constexpr std::string_view expose_headers_name = "Access-Control-Expose-Headers";
constexpr std::string_view allow_methods_name = "Access-Control-Allow-Methods";
constexpr std::string_view allow_headers_name = "Access-Control-Allow-Headers";
constexpr std::string_view max_age_name = "Access-Control-Max-Age";
constexpr std::string_view vary_name = "Vary";
constexpr std::string_view origin_value = "Origin";
constexpr std::string_view wildcard = "*";
constexpr std::string_view true_value = "true";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "*" without credentials answers every origin the same way, so the response does not vary by
// Origin. With credentials "*" is not allowed by the Fetch spec and is ignored here (echoing
// any origin with credentials would hand every site the user's cookies).
bool is_wildcard(const cors_config& cors) {
  return !cors.allow_credentials &&
         std::find(cors.allow_origins.begin(), cors.allow_origins.end(), wildcard) != cors.allow_origins.end();
}

// The Access-Control-Allow-Origin value for `origin`, or nullopt when it is refused. Origins
// compare as exact bytes (Fetch spec); one carrying CR, LF or NUL is never echoed.
std::optional<std::string_view> allowed_origin(const cors_config& cors, std::string_view origin) {
  if (origin.empty() || origin.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return std::nullopt;
  }
  if (is_wildcard(cors)) return wildcard;
  if (origin == wildcard) return std::nullopt;
  for (const std::string& allowed : cors.allow_origins) {
    if (allowed == origin) return origin;
  }
  return std::nullopt;
}

// Sets `name` among out[first..): replaces an entry these rules added earlier, or appends; an
// empty value removes it instead. Entries the caller put before `first` are left alone.
void set_header(std::vector<response_header>& out, std::size_t first, std::string_view name,
                std::string_view value) {
  const auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  const auto it = std::find_if(begin, out.end(), [&](const response_header& h) { return iequals(h.name, name); });
  if (value.empty()) {
    if (it != out.end()) out.erase(it);
  } else if (it != out.end()) {
    *it = {name, value};
  } else {
    out.push_back({name, value});
  }
}

}  // namespace

header_rules::header_rules(const std::vector<header_rule>& rules) {
  rules_.reserve(rules.size());
  for (const header_rule& rule : rules) {
    compiled_rule compiled{path_glob(rule.path), rule, {}, {}, {}, {}};
    if (rule.has_cors) {
      compiled.allow_methods = join(rule.cors.allow_methods);
      compiled.allow_headers = join(rule.cors.allow_headers);
      compiled.expose_headers = join(rule.cors.expose_headers);
      if (rule.cors.max_age_seconds >= 0) compiled.max_age = std::to_string(rule.cors.max_age_seconds);
    }
    rules_.push_back(std::move(compiled));
  }
}

// When several CORS rules match, the last one decides CORS alone (later rules win, as for
// plain headers); mixing origin lists and credential settings across rules would be unsafe.
void header_rules::apply(std::string_view path, std::string_view origin, std::vector<response_header>& out) const {
  const std::size_t first = out.size();

  std::size_t cors_index = rules_.size();
  for (std::size_t i = rules_.size(); i-- > 0;) {
    if (rules_[i].rule.has_cors && rules_[i].glob.matches(path)) {
      cors_index = i;
      break;
    }
  }

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const compiled_rule& r = rules_[i];
    // The backward scan already found every CORS rule after the deciding one (or every CORS
    // rule, when none decides) not to match; do not match hostile paths against them twice.
    if (r.rule.has_cors && (cors_index == rules_.size() || i > cors_index)) continue;
    if (i != cors_index && !r.glob.matches(path)) continue;
    for (const auto& [name, value] : r.rule.set) set_header(out, first, name, value);
    if (i != cors_index) continue;
    if (const auto acao = allowed_origin(r.rule.cors, origin)) {
      set_header(out, first, allow_origin_name, *acao);
      if (r.rule.cors.allow_credentials) set_header(out, first, allow_credentials_name, true_value);
      if (!r.expose_headers.empty()) set_header(out, first, expose_headers_name, r.expose_headers);
    }
  }

  // A separate field (Vary is a list, so repeating it is allowed) added last, so that a rule's
  // own Vary value neither replaces it nor is replaced by it.
  if (cors_index < rules_.size() && !is_wildcard(rules_[cors_index].rule.cors)) {
    out.push_back({vary_name, origin_value});
  }
}

bool header_rules::preflight(std::string_view path, std::string_view origin, std::string_view request_method,
                             std::vector<response_header>& out) const {
  const compiled_rule* match = nullptr;
  for (std::size_t i = rules_.size(); i-- > 0;) {
    if (rules_[i].rule.has_cors && rules_[i].glob.matches(path)) {
      match = &rules_[i];
      break;
    }
  }
  if (match == nullptr) return false;

  const cors_config& cors = match->rule.cors;
  const bool vary = !is_wildcard(cors);
  const auto acao = allowed_origin(cors, origin);
  const bool method_allowed = std::find(cors.allow_methods.begin(), cors.allow_methods.end(), request_method) !=
                              cors.allow_methods.end();
  if (!acao || request_method.empty() || !method_allowed) {
    if (vary) out.push_back({vary_name, origin_value});
    return false;
  }

  out.push_back({allow_origin_name, *acao});
  out.push_back({allow_methods_name, match->allow_methods});
  if (!match->allow_headers.empty()) out.push_back({allow_headers_name, match->allow_headers});
  if (cors.allow_credentials) out.push_back({allow_credentials_name, true_value});
  if (!match->max_age.empty()) out.push_back({max_age_name, match->max_age});
  if (vary) out.push_back({vary_name, origin_value});
  return true;
}

}  // namespace ferry
