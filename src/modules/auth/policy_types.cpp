#include "modules/auth/policy_types.hpp"

#include <algorithm>
#include <array>

namespace ferry {
namespace {

constexpr std::array<std::string_view, 6> method_names = {"none", "api_key", "jwt", "mtls", "basic", "signed_url"};

}  // namespace

std::string_view auth_method_name(auth_method method) {
  const auto index = static_cast<std::size_t>(method);
  return index < method_names.size() ? method_names[index] : std::string_view("none");
}

bool parse_auth_method(std::string_view name, auth_method& out) {
  for (std::size_t i = 1; i < method_names.size(); ++i) {
    if (method_names[i] == name) {
      out = static_cast<auth_method>(i);
      return true;
    }
  }
  return false;
}

bool principal::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

const std::string* principal::claim(std::string_view name) const {
  for (const named_claim& c : claims) {
    if (c.name == name) return &c.value;
  }
  return nullptr;
}

const std::vector<std::string>* principal::list_claim(std::string_view name) const {
  for (const named_list_claim& c : list_claims) {
    if (c.name == name) return &c.values;
  }
  return nullptr;
}

bool request_attributes::single_header(std::string_view name, std::string_view& value) const {
  bool found = false;
  for (const header_view& h : headers) {
    if (!iequals(h.name, name)) continue;
    if (found) return false;
    found = true;
    value = h.value;
  }
  return found;
}

}  // namespace ferry
