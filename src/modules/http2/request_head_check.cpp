#include "modules/http2/request_head_check.hpp"

#include <limits>

#include "modules/http2/field_rules.hpp"

namespace ferry {
namespace {

bool all_of(std::string_view text, bool (*allowed)(unsigned char)) {
  for (const char c : text) {
    if (!allowed(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// RFC 9110 §5.6.2.
bool token_char(unsigned char c) {
  static constexpr std::string_view others = "!#$%&'*+-.^_`|~";
  return alpha(c) || digit(c) || others.find(static_cast<char>(c)) != std::string_view::npos;
}

// RFC 3986 §3.1.
bool scheme_char(unsigned char c) { return alpha(c) || digit(c) || c == '+' || c == '-' || c == '.'; }

// RFC 3986 §3.2: unreserved, pct-encoded, sub-delims, ":", "@" and the brackets of IP literals.
bool authority_char(unsigned char c) {
  static constexpr std::string_view others = "-._~%!$&'()*+,;=:@[]";
  return alpha(c) || digit(c) || others.find(static_cast<char>(c)) != std::string_view::npos;
}

// A request target: visible ASCII and bytes from 0x80 (which the core answers 400 if it must).
bool path_char(unsigned char c) { return c > 0x20 && c != 0x7f; }

bool regular_name_ok(std::string_view name) { return lower_case_token(name); }

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (!digit(static_cast<unsigned char>(c))) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    // An overflow saturates: over any limit, and never equal to a body that fits in memory.
    value = value > (std::numeric_limits<std::uint64_t>::max() - d) / 10 ? std::numeric_limits<std::uint64_t>::max()
                                                                          : value * 10 + d;
  }
  return value;
}

}  // namespace

bool request_head_check::field(std::string_view name, std::string_view value) {
  if (!valid_field_value(value)) return false;
  if (!name.empty() && name.front() == ':') {
    if (regular_seen_) return false;
    std::uint8_t bit = 0;
    if (name == ":method") {
      bit = method;
      if (value.empty() || !all_of(value, token_char)) return false;
      connect_ = value == "CONNECT";
      options_ = value == "OPTIONS";
    } else if (name == ":scheme") {
      bit = scheme;
      if (value.empty() || !alpha(static_cast<unsigned char>(value.front())) || !all_of(value, scheme_char)) return false;
    } else if (name == ":path") {
      bit = path;
      if (value.empty() || !all_of(value, path_char)) return false;
      path_is_asterisk_ = value == "*";
      if (value.front() != '/' && !path_is_asterisk_) return false;
    } else if (name == ":authority") {
      bit = authority;
      if (!all_of(value, authority_char)) return false;
    } else {
      return false;  // :status, :protocol (extended CONNECT is not offered) or unknown
    }
    if ((seen_ & bit) != 0) return false;
    seen_ |= bit;
    return true;
  }
  regular_seen_ = true;
  if (!regular_name_ok(name) || connection_specific_field(name)) return false;
  if (name == "te") return iequals_ascii(value, "trailers");
  if (name == "content-length") {
    const auto length = parse_digits(value);
    if (!length || content_length_) return false;
    content_length_ = length;
  }
  return true;
}

bool request_head_check::complete() const {
  if ((seen_ & method) == 0) return false;
  if (connect_) return (seen_ & authority) != 0 && (seen_ & (scheme | path)) == 0;  // §8.5
  if ((seen_ & (scheme | path)) != (scheme | path)) return false;
  return !path_is_asterisk_ || options_;
}

bool request_head_check::trailer_field(std::string_view name, std::string_view value) {
  return regular_name_ok(name) && valid_field_value(value) && !connection_specific_field(name);
}

}  // namespace ferry
