#include "modules/http2/field_rules.hpp"

#include <array>
#include <cstdint>

#include "http/char_classes.hpp"
#include "http/field_bytes.hpp"

namespace ferry {

namespace {

// Per byte: its lower-case form when it may appear in a field name (a token character,
// RFC 9110 §5.6.2), else 0.
constexpr std::array<char, 256> name_table = [] {
  std::array<char, 256> t{};
  for (std::size_t c = '0'; c <= '9'; ++c) t[c] = static_cast<char>(c);
  for (std::size_t c = 'a'; c <= 'z'; ++c) t[c] = static_cast<char>(c);
  for (std::size_t c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<char>(c + 32);
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = c;
  return t;
}();

using char_class::is_ows;

}  // namespace

bool lower_field_name(std::string_view name, char* out) {
  char missing = name.empty() ? 1 : 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char lower = name_table[static_cast<unsigned char>(name[i])];
    out[i] = lower;
    missing |= static_cast<char>(lower == 0);
  }
  return missing == 0;
}

bool valid_field_value(std::string_view value) {
  if (value.empty()) return true;
  if (is_ows(value.front()) || is_ows(value.back())) return false;
  return free_of_controls(value);
}

bool same_field_name(std::string_view any_case, std::string_view lower) {
  if (any_case.size() != lower.size()) return false;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (name_table[static_cast<unsigned char>(any_case[i])] != lower[i]) return false;
  }
  return true;
}

// RFC 9113 §8.2.2: fields that only make sense for one HTTP/1.1 connection. The core does not
// send them; dropping them here keeps a response valid even if one slips through.
bool connection_specific_field(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" || lower_name == "proxy-connection" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade";
}

bool lower_case_token(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (name_table[static_cast<unsigned char>(c)] != c) return false;
  }
  return true;
}

}  // namespace ferry
