#include "modules/http2/field_rules.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Per byte: 1 when a field value may not hold it (controls but HTAB, and DEL).
constexpr std::array<std::uint8_t, 256> bad_value_byte = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = c == '\t' ? 0 : 1;
  t[0x7f] = 1;
  return t;
}();

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

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

#if defined(__SSE2__)
namespace {

// Whether none of the 16 bytes at `p` is a control but HTAB, or DEL (bytes from 0x80 pass).
bool sixteen_pass(const char* p) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i below_space = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
  const __m128i tab = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t'));
  const __m128i del = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f));
  return _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, below_space), del)) == 0;
}

}  // namespace
#endif

bool valid_field_value(std::string_view value) {
  if (value.empty()) return true;
  if (is_space_or_tab(value.front()) || is_space_or_tab(value.back())) return false;
#if defined(__SSE2__)
  // Sixteen bytes at a time, the last sixteen read overlapping the ones before.
  if (value.size() >= 16) {
    for (std::size_t i = 0; i + 16 <= value.size(); i += 16) {
      if (!sixteen_pass(value.data() + i)) return false;
    }
    return value.size() % 16 == 0 || sixteen_pass(value.data() + value.size() - 16);
  }
#endif
  // Eight bytes at a time: a word passes when none of its bytes is below 0x20 or is 0x7f (the
  // usual "has a byte less than n" and "has a zero byte" tricks; bytes from 0x80 pass). A word
  // with one, which may only be a HTAB, is looked at byte by byte.
  // The last, partial word is read overlapping the one before it.
  constexpr std::uint64_t ones = 0x0101010101010101u;
  constexpr std::uint64_t highs = 0x8080808080808080u;
  const auto word_passes = [&](std::size_t at) {
    std::uint64_t word;
    std::memcpy(&word, value.data() + at, sizeof word);
    const std::uint64_t del = word ^ (0x7f * ones);
    if (((((word - 0x20 * ones) & ~word) | ((del - ones) & ~del)) & highs) == 0) return true;
    for (std::size_t j = at; j < at + 8; ++j) {
      if (bad_value_byte[static_cast<unsigned char>(value[j])]) return false;
    }
    return true;
  };
  if (value.size() < 8) {
    for (const char c : value) {
      if (bad_value_byte[static_cast<unsigned char>(c)]) return false;
    }
    return true;
  }
  for (std::size_t i = 0; i + 8 <= value.size(); i += 8) {
    if (!word_passes(i)) return false;
  }
  return value.size() % 8 == 0 || word_passes(value.size() - 8);
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
