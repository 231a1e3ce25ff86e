// Path normalisation in three linear passes over one buffer (`out`), skipped for a path that is
// already in normal form (the usual case, checked in one scan):
//   1. percent-decode once, rejecting bad escapes and bytes that are never served;
//   2. validate the decoded bytes as strict UTF-8;
//   3. resolve segments in place (the output never outruns the input it came from).
// Passes run in this order, so when a path has several faults the first pass's fault wins
// (e.g. "/../%zz" is invalid_escape, not escapes_root); within pass 1 the leftmost fault wins.
#include "files/path_normalize.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ferry {
namespace {

// Value of a hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Status for one decoded byte: whether it may appear in a path at all.
path_status check_byte(unsigned char b) {
  if (b == 0) return path_status::nul_byte;
  if (b < 0x20 || b == 0x7f) return path_status::control_char;
  if (b == '\\') return path_status::backslash;
  return path_status::ok;
}

// Pass 1: `raw` decoded into `out` (which has capacity for raw.size() bytes already).
path_status percent_decode(std::string_view raw, std::string& out) {
  const std::size_t n = raw.size();
  for (std::size_t i = 0; i < n; ++i) {
    char c = raw[i];
    if (c == '%') {
      if (n - i < 3) return path_status::invalid_escape;
      const int hi = hex_value(raw[i + 1]);
      const int lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return path_status::invalid_escape;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    const path_status s = check_byte(static_cast<unsigned char>(c));
    if (s != path_status::ok) return s;
    out.push_back(c);
  }
  return path_status::ok;
}

bool in_range(unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; }

// Pass 2: strict UTF-8 (Unicode Table 3-7, well-formed byte sequences). The narrowed second-byte
// ranges after E0, ED, F0 and F4 are what exclude overlong forms, surrogates and > U+10FFFF.
bool is_valid_utf8(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte
    unsigned char hi = 0xbf;
    if (in_range(b0, 0xc2, 0xdf)) {
      len = 2;
    } else if (in_range(b0, 0xe0, 0xef)) {
      len = 3;
      if (b0 == 0xe0) lo = 0xa0;  // below: overlong
      if (b0 == 0xed) hi = 0x9f;  // above: surrogates U+D800..DFFF
    } else if (in_range(b0, 0xf0, 0xf4)) {
      len = 4;
      if (b0 == 0xf0) lo = 0x90;  // below: overlong
      if (b0 == 0xf4) hi = 0x8f;  // above: > U+10FFFF
    } else {
      return false;  // stray continuation byte, C0/C1 (always overlong), F5..FF
    }
    if (n - i < len) return false;  // truncated
    if (!in_range(static_cast<unsigned char>(s[i + 1]), lo, hi)) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (!in_range(static_cast<unsigned char>(s[i + k]), 0x80, 0xbf)) return false;
    }
    i += len;
  }
  return true;
}

// Pass 3: resolves segments of the decoded path in place. `out` starts with '/'.
// Writing never overtakes reading: every segment written is preceded by at least one '/'
// read, so memmove within the buffer is enough and no byte is read after being overwritten.
path_status resolve_segments(std::string& out) {
  char* const d = out.data();
  const std::size_t n = out.size();
  std::size_t w = 0;  // length of the resolved output so far ("" or "/a/b")
  std::size_t r = 0;
  bool trailing_slash = false;
  while (r < n) {
    while (r < n && d[r] == '/') ++r;
    if (r == n) {
      trailing_slash = true;  // the path ended with '/'
      break;
    }
    const std::size_t start = r;
    while (r < n && d[r] != '/') ++r;
    const std::size_t len = r - start;
    const bool last = r == n;
    if (len == 1 && d[start] == '.') {
      trailing_slash = last;  // "/a/." names the directory "/a/"
      continue;
    }
    if (len == 2 && d[start] == '.' && d[start + 1] == '.') {
      if (w == 0) return path_status::escapes_root;
      // Back up to the '/' that began the last written segment. Each written byte is
      // scanned back at most once, so this stays linear overall.
      do {
        --w;
      } while (d[w] != '/');
      trailing_slash = last;
      continue;
    }
    d[w] = '/';
    std::memmove(d + w + 1, d + start, len);
    w += 1 + len;
  }
  if (w == 0 || trailing_slash) d[w++] = '/';
  out.resize(w);
  return path_status::ok;
}

// Most paths need none of the passes: printable ASCII without '%' or '\\', and no empty, "."
// or ".." segment (no "//" and no "/."). Such a path is its own normal form. One table lookup
// per byte tells all three things about it.
enum : std::uint8_t { needs_passes = 1, is_slash = 2, after_slash_needs_passes = 4 };
constexpr std::array<std::uint8_t, 256> normal_form_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t b = 0; b < t.size(); ++b) {
    if (b <= 0x20 || b >= 0x7f || b == '%' || b == '\\') t[b] = needs_passes;
  }
  t['/'] = is_slash | after_slash_needs_passes;
  t['.'] = after_slash_needs_passes;
  return t;
}();

bool already_normal(std::string_view raw) {
  std::uint8_t previous = 0;
  for (const char c : raw) {
    const std::uint8_t kind = normal_form_class[static_cast<unsigned char>(c)];
    if ((kind & needs_passes) != 0 || ((previous & is_slash) != 0 && (kind & after_slash_needs_passes) != 0)) {
      return false;
    }
    previous = kind;
  }
  return true;
}

}  // namespace

path_status normalize_path(std::string_view raw, std::string& out) {
  out.clear();
  if (raw.empty() || raw.front() != '/') return path_status::not_absolute;
  if (already_normal(raw)) {
    out.assign(raw);
    return path_status::ok;
  }
  // Reserve once: decoding only shrinks and resolving never outgrows the decoded path, so
  // `out` holds at most raw.size() bytes (+1 for the terminator) and a warm buffer is reused.
  if (out.capacity() < raw.size()) out.reserve(raw.size());

  path_status s = percent_decode(raw, out);
  if (s == path_status::ok && !is_valid_utf8(out)) s = path_status::invalid_utf8;
  if (s == path_status::ok) s = resolve_segments(out);
  if (s != path_status::ok) out.clear();  // never leave a half-decoded path for a careless caller
  return s;
}

}  // namespace ferry
