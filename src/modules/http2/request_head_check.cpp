#include "modules/http2/request_head_check.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "modules/http2/field_rules.hpp"

namespace ferry {
namespace {

constexpr bool alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Character classes of the pseudo-header values, one bit each in a table by byte: a value is
// checked at a load and a test per byte.
enum char_class : std::uint8_t {
  token_class = 1,      // RFC 9110 §5.6.2
  scheme_class = 2,     // RFC 3986 §3.1
  authority_class = 4,  // RFC 3986 §3.2: unreserved, pct-encoded, sub-delims, ":", "@", "[", "]"
  path_class = 8,       // a request target: visible ASCII and bytes from 0x80 (the core answers 400 if it must)
};

constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> table{};
  const auto mark = [&](std::string_view chars, std::uint8_t bit) {
    for (const char c : chars) table[static_cast<unsigned char>(c)] |= bit;
  };
  for (unsigned c = 0; c < 256; ++c) {
    const bool alnum = alpha(static_cast<unsigned char>(c)) || digit(static_cast<unsigned char>(c));
    if (alnum) table[c] |= token_class | scheme_class | authority_class;
    if (c > 0x20 && c != 0x7f) table[c] |= path_class;
  }
  mark("!#$%&'*+-.^_`|~", token_class);
  mark("+-.", scheme_class);
  mark("-._~%!$&'()*+,;=:@[]", authority_class);
  return table;
}();

bool all_of(std::string_view text, char_class allowed) {
  for (const char c : text) {
    if ((char_classes[static_cast<unsigned char>(c)] & allowed) == 0) return false;
  }
  return true;
}

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

// What a regular field must be wherever it comes in the head.
bool regular_field_ok(std::string_view name, std::string_view value) {
  if (!valid_field_value(value) || !regular_name_ok(name) || connection_specific_field(name)) return false;
  if (name == "te") return iequals_ascii(value, "trailers");
  return name != "content-length" || parse_digits(value).has_value();
}

}  // namespace

bool request_head_check::field(std::string_view name, std::string_view value, bool checked_before) {
  if (!name.empty() && name.front() == ':') return pseudo_field(name, value, checked_before);
  regular_seen_ = true;
  if (!checked_before && !regular_field_ok(name, value)) return false;
  if (name == "content-length") {
    if (content_length_) return false;
    content_length_ = parse_digits(value);
  }
  return true;
}

// A pseudo-header's value is held to a character class that admits no whitespace or control
// byte at all: valid_field_value() would find nothing more there.
bool request_head_check::pseudo_field(std::string_view name, std::string_view value, bool checked_before) {
  if (regular_seen_) return false;
  std::uint8_t bit = 0;
  const bool check = !checked_before;
  if (name == ":method") {
    bit = method;
    if (check && (value.empty() || !all_of(value, token_class))) return false;
    connect_ = value == "CONNECT";
    options_ = value == "OPTIONS";
  } else if (name == ":scheme") {
    bit = scheme;
    if (check && (value.empty() || !alpha(static_cast<unsigned char>(value.front())) || !all_of(value, scheme_class))) {
      return false;
    }
  } else if (name == ":path") {
    bit = path;
    if (check && (value.empty() || !all_of(value, path_class))) return false;
    path_is_asterisk_ = value == "*";
    if (value.front() != '/' && !path_is_asterisk_) return false;
  } else if (name == ":authority") {
    bit = authority;
    if (check && !all_of(value, authority_class)) return false;
  } else {
    return false;  // :status, :protocol (extended CONNECT is not offered) or unknown
  }
  if ((seen_ & bit) != 0) return false;
  seen_ |= bit;
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
