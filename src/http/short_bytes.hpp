// Compare and copy for the short strings a response head is made of (names, ETags, "bytes",
// one- or two-byte encodings, dates). A call to memcmp/memcpy with a variable length costs more
// than the work for these; up to 16 bytes (32 for a copy), two overlapping loads or stores do it
// inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ferry::short_bytes {

template <typename Word>
Word load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

template <typename Word>
bool same_ends(const char* a, const char* b, std::size_t n) {
  return load<Word>(a) == load<Word>(b) && load<Word>(a + n - sizeof(Word)) == load<Word>(b + n - sizeof(Word));
}

// The first and last Word of `n` bytes (overlapping when n < 2 words): all of them, in two
// loads and two stores.
template <typename Word>
void copy_ends(char* to, const char* from, std::size_t n) {
  const Word head = load<Word>(from);
  const Word tail = load<Word>(from + n - sizeof(Word));
  std::memcpy(to, &head, sizeof head);
  std::memcpy(to + n - sizeof(Word), &tail, sizeof tail);
}

inline bool equal(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  if (n >= 8) return same_ends<std::uint64_t>(a.data(), b.data(), n);
  if (n >= 4) return same_ends<std::uint32_t>(a.data(), b.data(), n);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

struct sixteen_bytes {
  std::uint64_t low, high;
};

// Copies `from` to `to` (which does not overlap it); returns the end of the copy.
inline char* copy(char* to, std::string_view from) {
  const std::size_t n = from.size();
  const char* p = from.data();
  if (n > 32) {
    std::memcpy(to, p, n);
  } else if (n > 16) {
    copy_ends<sixteen_bytes>(to, p, n);
  } else if (n >= 8) {
    copy_ends<std::uint64_t>(to, p, n);
  } else if (n >= 4) {
    copy_ends<std::uint32_t>(to, p, n);
  } else {
    for (std::size_t i = 0; i < n; ++i) to[i] = p[i];
  }
  return to + n;
}

}  // namespace ferry::short_bytes
