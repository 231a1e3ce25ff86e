// normalize_path on arbitrary bytes: never crashes, and every accepted path is canonical.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "files/path_normalize.hpp"
#include "fuzz_support.hpp"

namespace {

using ferry::fuzz::check;

bool is_forbidden_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b < 0x20 || b == 0x7f || c == '\\';
}

// Independent of the library's table-driven validator: decode each code point arithmetically
// and reject overlong forms, surrogates and values above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    std::uint32_t cp = b0;
    if (b0 >= 0x80) {
      if ((b0 & 0xe0) == 0xc0) {
        len = 2;
        cp = b0 & 0x1fu;
      } else if ((b0 & 0xf0) == 0xe0) {
        len = 3;
        cp = b0 & 0x0fu;
      } else if ((b0 & 0xf8) == 0xf0) {
        len = 4;
        cp = b0 & 0x07u;
      } else {
        return false;
      }
      if (s.size() - i < len) return false;
      for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80) return false;
        cp = (cp << 6) | (b & 0x3fu);
      }
      constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < smallest[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    }
    i += len;
  }
  return true;
}

void check_canonical(std::string_view path, std::size_t input_size) {
  check(!path.empty() && path.front() == '/');
  check(path.size() <= input_size + 1);
  check(path.find("//") == std::string_view::npos);
  for (char c : path) check(!is_forbidden_byte(c));
  check(is_valid_utf8(path));
  // No "." or ".." segment anywhere, including a final one without a trailing '/'.
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    check(segment != "." && segment != "..");
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (ferry::normalize_path(raw, out) != ferry::path_status::ok) {
    check(out.empty());
    return 0;
  }
  check_canonical(out, size);

  // Re-encoding only '%' makes the normalised path a valid raw path again; normalising that
  // must give the same path back (idempotence), reusing the same buffer.
  std::string reencoded;
  for (char c : out) {
    if (c == '%') {
      reencoded += "%25";
    } else {
      reencoded += c;
    }
  }
  std::string again = "stale contents";
  check(ferry::normalize_path(reencoded, again) == ferry::path_status::ok);
  check(again == out);
  return 0;
}
