#include "http/field_bytes.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ferry {
namespace {

// Per byte: 1 when a field value may not hold it (controls but HTAB, and DEL).
constexpr std::array<std::uint8_t, 256> bad_value_byte = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = c == '\t' ? 0 : 1;
  t[0x7f] = 1;
  return t;
}();

#if defined(__SSE2__)
// Whether none of the 16 bytes at `p` is a control but HTAB, or DEL.
bool sixteen_pass(const char* p) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i below_space = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
  const __m128i tab = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t'));
  const __m128i del = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f));
  return _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, below_space), del)) == 0;
}
#endif

}  // namespace

bool free_of_controls(std::string_view text) {
#if defined(__SSE2__)
  // Sixteen bytes at a time, the last sixteen read overlapping the ones before.
  if (text.size() >= 16) {
    for (std::size_t i = 0; i + 16 <= text.size(); i += 16) {
      if (!sixteen_pass(text.data() + i)) return false;
    }
    return text.size() % 16 == 0 || sixteen_pass(text.data() + text.size() - 16);
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
    std::memcpy(&word, text.data() + at, sizeof word);
    const std::uint64_t del = word ^ (0x7f * ones);
    if (((((word - 0x20 * ones) & ~word) | ((del - ones) & ~del)) & highs) == 0) return true;
    for (std::size_t j = at; j < at + 8; ++j) {
      if (bad_value_byte[static_cast<unsigned char>(text[j])]) return false;
    }
    return true;
  };
  if (text.size() < 8) {
    for (const char c : text) {
      if (bad_value_byte[static_cast<unsigned char>(c)]) return false;
    }
    return true;
  }
  for (std::size_t i = 0; i + 8 <= text.size(); i += 8) {
    if (!word_passes(i)) return false;
  }
  return text.size() % 8 == 0 || word_passes(text.size() - 8);
}

}  // namespace ferry
