#include "modules/auth/certificate_identity.hpp"

#include <algorithm>

namespace ferry {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same(std::string_view a, std::string_view b, bool fold_case) {
  if (a.size() != b.size()) return false;
  if (!fold_case) return a == b;
  return std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool matches(const certificate_identity_rule& rule, std::string_view value) {
  const bool fold = rule.field == certificate_field::dns;
  const std::string_view pattern = rule.pattern;
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    return value.size() >= prefix.size() && same(value.substr(0, prefix.size()), prefix, fold);
  }
  return same(value, pattern, fold);
}

const std::vector<std::string>& values_of(const tls_peer_info& peer, certificate_field field) {
  switch (field) {
    case certificate_field::dns: return peer.client_names().dns_names;
    case certificate_field::uri: return peer.client_names().uris;
    case certificate_field::email: return peer.client_names().emails;
    case certificate_field::subject: break;
  }
  static const std::vector<std::string> none;
  return none;
}

}  // namespace

bool certificate_identity_map::resolve(const tls_peer_info& peer, certificate_identity& out) const {
  for (const certificate_identity_rule& rule : rules_) {
    const std::string* hit = nullptr;
    if (rule.field == certificate_field::subject) {
      if (matches(rule, peer.client_names().subject)) hit = &peer.client_names().subject;
    } else {
      for (const std::string& value : values_of(peer, rule.field)) {
        if (matches(rule, value)) {
          hit = &value;
          break;
        }
      }
    }
    if (hit == nullptr) continue;
    out.principal = rule.principal.empty() ? *hit : rule.principal;
    out.roles = rule.roles;
    out.tenant = rule.tenant;
    return true;
  }
  if (reject_unmapped_) return false;
  out.principal = peer.client_names().subject;
  out.roles.clear();
  out.tenant.clear();
  return true;
}

std::string certificate_identity_map::check_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern == "*") return "must not be empty (a lone '*' would map every certificate)";
  const std::size_t star = pattern.find('*');
  if (star != std::string_view::npos && star != pattern.size() - 1) return "'*' may only end the pattern";
  for (const char c : pattern) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "must not contain control characters";
  }
  return {};
}

}  // namespace ferry
