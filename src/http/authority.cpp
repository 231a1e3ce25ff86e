#include "http/authority.hpp"

#include "http/char_classes.hpp"

namespace ferry {

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

using char_class::is_reg_name_char;

bool valid_port(std::string_view port) {
  if (port.empty()) return true;  // "host:" is allowed by the grammar
  if (port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

bool valid_reg_name(std::string_view host) {
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%') {
      if (i + 2 >= host.size() || !is_hex(host[i + 1]) || !is_hex(host[i + 2])) return false;
      i += 2;
    } else if (!is_reg_name_char(host[i])) {
      return false;
    }
  }
  return true;
}

bool valid_ip_literal(std::string_view inner) {
  if (inner.empty()) return false;
  for (char c : inner) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return inner.find(':') != std::string_view::npos;
}

// What nearly every Host is, "name" or "name:port" without percent-encoding, in one pass (the
// general check below scans the text up to four times). True only for what that check accepts
// as well; false sends the rest to it.
bool plain_authority(std::string_view authority) {
  std::size_t i = 0;
  while (i < authority.size() && is_reg_name_char(authority[i])) ++i;
  if (i == authority.size()) return true;
  return authority[i] == ':' && i > 0 && valid_port(authority.substr(i + 1));
}

}  // namespace

bool is_valid_authority(std::string_view authority) {
  if (plain_authority(authority)) return true;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    if (!valid_ip_literal(authority.substr(1, close - 1))) return false;
    const auto rest = authority.substr(close + 1);
    if (rest.empty()) return true;
    return rest.front() == ':' && valid_port(rest.substr(1));
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return valid_reg_name(authority);
  return valid_reg_name(authority.substr(0, colon)) && valid_port(authority.substr(colon + 1)) &&
         colon > 0;
}

std::string_view authority_host(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.rfind(':'));
}

}  // namespace ferry
