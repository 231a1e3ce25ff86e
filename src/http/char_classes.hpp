// Character classes of HTTP and URI grammar, one table lookup per byte. A string of `strchr`
// calls per character was a visible share of parsing a request head.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ferry::char_class {

namespace detail {

enum bits : std::uint8_t {
  tchar_bit = 1,     // RFC 9110 §5.6.2 token
  reg_name_bit = 2,  // RFC 3986 §3.2.2 reg-name, but pct-encoded: unreserved and sub-delims
};

inline constexpr std::array<std::uint8_t, 256> table = [] {
  std::array<std::uint8_t, 256> t{};
  const auto mark = [&](std::string_view chars, std::uint8_t bit) {
    for (const char c : chars) t[static_cast<unsigned char>(c)] |= bit;
  };
  for (unsigned c = 0; c < 256; ++c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) t[c] |= tchar_bit | reg_name_bit;
  }
  mark("!#$%&'*+-.^_`|~", tchar_bit);
  mark("-._~!$&'()*+,;=", reg_name_bit);
  return t;
}();

}  // namespace detail

constexpr bool is_tchar(char c) { return (detail::table[static_cast<unsigned char>(c)] & detail::tchar_bit) != 0; }

// A token: one or more tchar.
constexpr bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

constexpr bool is_reg_name_char(char c) {
  return (detail::table[static_cast<unsigned char>(c)] & detail::reg_name_bit) != 0;
}

// RFC 9110 §5.6.3 optional whitespace: SP and HTAB.
constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

// `text` without the optional whitespace around it.
constexpr std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace ferry::char_class
