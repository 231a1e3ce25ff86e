#include "http/http1_simple_head.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "http/char_classes.hpp"
#include "http/field_bytes.hpp"

namespace ferry {

namespace {

// Unreserved, sub-delims and ":@/?%": what a plain path and query are made of.
constexpr std::array<bool, 256> target_bytes = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  for (const char c : std::string_view("-._~!$&'()*+,;=:@/?%")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool in_target(char c) { return target_bytes[static_cast<unsigned char>(c)]; }

// Fields llhttp acts on (framing, upgrade; Connection unless simple) and the one whose rules the
// full path applies (Expect): a head with any of them is llhttp's to read.
bool needs_full_parser(std::string_view name) {
  switch (name.size()) {
    case 6: return iequals(name, "expect");
    case 7: return iequals(name, "upgrade");
    case 14: return iequals(name, "content-length");
    case 16: return iequals(name, "proxy-connection");
    case 17: return iequals(name, "transfer-encoding");
    default: return false;
  }
}

bool starts_with(const char* p, const char* end, std::string_view prefix) {
  return static_cast<std::size_t>(end - p) >= prefix.size() && std::memcmp(p, prefix.data(), prefix.size()) == 0;
}

}  // namespace

std::size_t read_simple_head(const char* data, std::size_t length, const http1_limits& limits, request& out,
                             std::size_t& host_fields) {
  const char* p = data;
  const char* const end = data + std::min(length, limits.max_head);
  bool close = false;       // a Connection field said "close"
  bool keep_alive = false;  // one said "keep-alive"
  if (starts_with(p, end, "GET /")) {
    out.method = http_method::get;
  } else if (starts_with(p, end, "HEAD /")) {
    out.method = http_method::head;
  } else {
    return 0;
  }
  const char* const method_end = out.method == http_method::get ? p + 3 : p + 4;
  out.method_name = {p, static_cast<std::size_t>(method_end - p)};

  const char* const target = method_end + 1;
  p = target;
  while (p < end && in_target(*p)) ++p;
  if (static_cast<std::size_t>(p - target) > limits.max_uri_length) return 0;
  out.target = {target, static_cast<std::size_t>(p - target)};
  if (!starts_with(p, end, " HTTP/1.") || end - p < 12 || (p[8] != '1' && p[8] != '0') || p[9] != '\r' ||
      p[10] != '\n') {
    return 0;
  }
  out.version_minor = p[8] - '0';
  p += 11;

  for (;;) {
    if (end - p < 2) return 0;
    if (p[0] == '\r') {
      if (p[1] != '\n') return 0;
      p += 2;
      break;
    }
    const char* const name = p;
    while (p < end && char_class::is_tchar(*p)) ++p;
    if (p == name || p == end || *p != ':') return 0;
    const std::string_view name_view(name, static_cast<std::size_t>(p - name));
    if (needs_full_parser(name_view) || out.headers().size() >= limits.max_header_count) return 0;
    const char* const value = ++p;
    // The value runs to the CR; the field rule (no controls but HTAB) is the full path's too.
    p = static_cast<const char*>(std::memchr(value, '\r', static_cast<std::size_t>(end - value)));
    if (p == nullptr || end - p < 2 || p[1] != '\n') return 0;
    const std::string_view raw(value, static_cast<std::size_t>(p - value));
    if (!free_of_controls(raw)) return 0;
    const std::string_view trimmed = char_class::trim_ows(raw);
    if (name_view.size() == 10 && iequals(name_view, "connection")) {
      // One option, as browsers and benchmark tools send it, after spaces only (llhttp does not
      // take an option followed by whitespace, or after a tab, as that option); a list, or any
      // other spacing, is llhttp's to read.
      const bool plain = trimmed.data() + trimmed.size() == p &&
                         std::all_of(value, trimmed.data(), [](char c) { return c == ' '; });
      if (!plain) return 0;
      if (iequals(trimmed, "keep-alive")) {
        keep_alive = true;
      } else if (iequals(trimmed, "close")) {
        close = true;
      } else {
        return 0;
      }
    }
    out.add_header(name_view, trimmed);
    if (iequals(name_view, "host")) ++host_fields;
    p += 2;
  }
  // As llhttp decides: HTTP/1.1 persists unless closed, HTTP/1.0 only when asked to.
  out.keep_alive = out.version_minor == 1 ? !close : keep_alive;
  return static_cast<std::size_t>(p - data);
}

}  // namespace ferry
