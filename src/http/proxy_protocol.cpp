#include "http/proxy_protocol.hpp"

#include <algorithm>
#include <cstring>

#include "platform/inet.hpp"

namespace ferry {
namespace {

constexpr std::string_view v1_prefix = "PROXY ";
// The 12-byte v2 signature; its NUL means it must never be handled as a C string.
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t v2_fixed_length = 16;
constexpr std::size_t v2_max_block = proxy_v2_max_length - v2_fixed_length;

proxy_header verdict_invalid(std::uint8_t version, std::string_view why) {
  proxy_header header;
  header.status = proxy_header_status::invalid;
  header.version = version;
  header.error = why;
  return header;
}

proxy_header verdict_need_more(std::uint8_t version, std::size_t bound) {
  proxy_header header;
  header.version = version;
  header.length_bound = bound;
  return header;
}

proxy_header verdict_parsed(std::uint8_t version, std::size_t consumed) {
  proxy_header header;
  header.status = proxy_header_status::parsed;
  header.version = version;
  header.consumed = consumed;
  return header;
}

// Writes the canonical text of a binary address (4 or 16 bytes).
bool set_endpoint(proxy_endpoint& out, int family, const void* address, std::uint16_t port) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, address, buffer, sizeof buffer) == nullptr) return false;
  const std::size_t length = std::strlen(buffer);
  if (length > out.text_storage.size()) return false;
  std::memcpy(out.text_storage.data(), buffer, length);
  out.text_length = static_cast<std::uint8_t>(length);
  out.port = port;
  return true;
}

std::uint8_t byte_at(std::string_view bytes, std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); }

// --- Version 1 ----------------------------------------------------------------------------

bool printable(char c) { return c >= 0x20 && c <= 0x7e; }

// Whether `available` (no LF in it yet) can still grow into a valid line: the prefix and the
// protocol word match as far as they go, and every byte could belong to a line (a CR only as
// the last byte, waiting for its LF).
bool v1_may_continue(std::string_view available) {
  for (std::size_t i = 0; i < available.size(); ++i) {
    const char c = available[i];
    if (printable(c)) continue;
    if (c == '\r' && i + 1 == available.size()) continue;
    return false;
  }
  if (available.size() <= v1_prefix.size()) return true;
  const std::string_view rest = available.substr(v1_prefix.size());
  for (const std::string_view word : {std::string_view("TCP4 "), std::string_view("TCP6 "), std::string_view("UNKNOWN")}) {
    const std::size_t n = std::min(rest.size(), word.size());
    if (rest.substr(0, n) == word.substr(0, n)) return true;
  }
  return false;
}

// Dotted quad without leading zeros ("010.0.0.1" could be read as octal elsewhere), or IPv6
// text, exactly as inet_pton reads it for the declared family.
bool v1_address(std::string_view text, int family, void* out) {
  constexpr std::size_t max_text = 45;
  if (text.empty() || text.size() > max_text) return false;
  if (family == AF_INET) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
      const bool starts_number = i == 0 || text[i - 1] == '.';
      if (starts_number && text[i] == '0' && text[i + 1] >= '0' && text[i + 1] <= '9') return false;
    }
  }
  char buffer[max_text + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  // An embedded NUL would make inet_pton read a shorter text than the one on the wire.
  if (std::strlen(buffer) != text.size()) return false;
  return inet_pton(family, buffer, out) == 1;
}

// 0..65535 in decimal, no sign, no leading zeros.
bool v1_port(std::string_view text, std::uint16_t& out) {
  if (text.empty() || text.size() > 5) return false;
  if (text.size() > 1 && text.front() == '0') return false;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// `content` is the line between "PROXY " and the CRLF.
proxy_header parse_v1_line(std::string_view content, std::size_t consumed) {
  constexpr std::string_view unknown = "UNKNOWN";
  if (content.substr(0, unknown.size()) == unknown) {
    const std::string_view rest = content.substr(unknown.size());
    // The sender may add anything after the word; the receiver ignores it, but it still has
    // to be text, so a stray CR or NUL is refused.
    if (!rest.empty() && (rest.front() != ' ' || !std::all_of(rest.begin(), rest.end(), printable))) {
      return verdict_invalid(1, "PROXY v1: malformed UNKNOWN line");
    }
    return verdict_parsed(1, consumed);
  }
  int family = 0;
  if (content.substr(0, 5) == "TCP4 ") {
    family = AF_INET;
  } else if (content.substr(0, 5) == "TCP6 ") {
    family = AF_INET6;
  } else {
    return verdict_invalid(1, "PROXY v1: protocol is not TCP4, TCP6 or UNKNOWN");
  }
  std::string_view fields = content.substr(5);
  std::array<std::string_view, 4> parts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t space = i + 1 < parts.size() ? fields.find(' ') : fields.size();
    if (space == std::string_view::npos) return verdict_invalid(1, "PROXY v1: too few fields");
    parts[i] = fields.substr(0, space);
    fields = fields.substr(std::min(space + 1, fields.size()));
  }
  in6_addr source{};
  in6_addr destination{};
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  if (!v1_address(parts[0], family, &source) || !v1_address(parts[1], family, &destination)) {
    return verdict_invalid(1, "PROXY v1: address does not match the protocol family");
  }
  if (!v1_port(parts[2], source_port) || !v1_port(parts[3], destination_port)) {
    return verdict_invalid(1, "PROXY v1: port is not a number from 0 to 65535");
  }
  proxy_header header = verdict_parsed(1, consumed);
  header.has_address = set_endpoint(header.source, family, &source, source_port) &&
                       set_endpoint(header.destination, family, &destination, destination_port);
  if (!header.has_address) return verdict_invalid(1, "PROXY v1: unprintable address");
  return header;
}

proxy_header parse_v1(std::string_view bytes) {
  const std::string_view window = bytes.substr(0, proxy_v1_max_length);
  const std::size_t lf = window.find('\n');
  if (lf == std::string_view::npos) {
    if (!v1_may_continue(window)) return verdict_invalid(1, "PROXY v1: malformed line");
    if (window.size() >= proxy_v1_max_length) return verdict_invalid(1, "PROXY v1: no CRLF within 107 bytes");
    return verdict_need_more(1, proxy_v1_max_length);
  }
  // The prefix matched, so the LF is after "PROXY ".
  if (window[lf - 1] != '\r') return verdict_invalid(1, "PROXY v1: line not ended by CRLF");
  return parse_v1_line(window.substr(v1_prefix.size(), lf - 1 - v1_prefix.size()), lf + 1);
}

// --- Version 2 ----------------------------------------------------------------------------

// The address block's length for a family/protocol byte, or 0 when the addresses are
// unspecified and the block is skipped unread.
std::size_t v2_address_length(std::uint8_t family_protocol) {
  const unsigned family = family_protocol >> 4;
  const unsigned protocol = family_protocol & 0x0fu;
  if (family == 0 || protocol == 0) return 0;
  if (family == 1) return 2 * 4 + 2 * 2;
  if (family == 2) return 2 * 16 + 2 * 2;
  return 2 * 108;  // AF_UNIX: two paths, no ports
}

proxy_header parse_v2(std::string_view bytes) {
  const std::size_t signature_seen = std::min(bytes.size(), v2_signature.size());
  if (bytes.substr(0, signature_seen) != v2_signature.substr(0, signature_seen)) {
    return verdict_invalid(2, "PROXY v2: wrong signature");
  }
  if (bytes.size() > 12) {
    const std::uint8_t version_command = byte_at(bytes, 12);
    if ((version_command >> 4) != 2) return verdict_invalid(2, "PROXY v2: version is not 2");
    if ((version_command & 0x0fu) > 1) return verdict_invalid(2, "PROXY v2: command is not LOCAL or PROXY");
  }
  if (bytes.size() > 13) {
    const std::uint8_t family_protocol = byte_at(bytes, 13);
    if ((family_protocol >> 4) > 3 || (family_protocol & 0x0fu) > 2) {
      return verdict_invalid(2, "PROXY v2: unknown address family or protocol");
    }
  }
  if (bytes.size() < v2_fixed_length) return verdict_need_more(2, proxy_v2_max_length);

  const bool proxied = (byte_at(bytes, 12) & 0x0fu) == 1;
  const std::uint8_t family_protocol = byte_at(bytes, 13);
  const std::size_t block = static_cast<std::size_t>(byte_at(bytes, 14)) << 8 | byte_at(bytes, 15);
  if (block > v2_max_block) return verdict_invalid(2, "PROXY v2: header longer than 536 bytes");
  const std::size_t addresses = proxied ? v2_address_length(family_protocol) : 0;
  if (block < addresses) return verdict_invalid(2, "PROXY v2: length too short for the addresses");
  const std::size_t total = v2_fixed_length + block;
  if (bytes.size() < total) return verdict_need_more(2, total);

  // LOCAL (a health check from the proxy itself) carries nothing to read: skip the block.
  if (!proxied) return verdict_parsed(2, total);

  // TLVs follow the addresses: type, 16-bit length, value; they must fill the block exactly.
  if (addresses > 0) {
    std::size_t at = v2_fixed_length + addresses;
    while (at < total) {
      if (total - at < 3) return verdict_invalid(2, "PROXY v2: truncated TLV");
      const std::size_t length = static_cast<std::size_t>(byte_at(bytes, at + 1)) << 8 | byte_at(bytes, at + 2);
      if (length > total - at - 3) return verdict_invalid(2, "PROXY v2: TLV beyond the header");
      at += 3 + length;
    }
  }

  proxy_header header = verdict_parsed(2, total);
  const char* block_start = bytes.data() + v2_fixed_length;
  auto port_at = [&bytes](std::size_t offset) {
    return static_cast<std::uint16_t>(byte_at(bytes, offset) << 8 | byte_at(bytes, offset + 1));
  };
  if (family_protocol == 0x11) {
    header.has_address = set_endpoint(header.source, AF_INET, block_start, port_at(v2_fixed_length + 8)) &&
                         set_endpoint(header.destination, AF_INET, block_start + 4, port_at(v2_fixed_length + 10));
  } else if (family_protocol == 0x21) {
    header.has_address = set_endpoint(header.source, AF_INET6, block_start, port_at(v2_fixed_length + 32)) &&
                         set_endpoint(header.destination, AF_INET6, block_start + 16, port_at(v2_fixed_length + 34));
  } else {
    return header;  // UNSPEC, UDP or UNIX: valid, but the real connection's addresses apply
  }
  if (!header.has_address) return verdict_invalid(2, "PROXY v2: unprintable address");
  return header;
}

}  // namespace

proxy_header parse_proxy_header(std::string_view bytes) {
  if (bytes.empty()) return verdict_need_more(0, proxy_header_max_length);
  if (bytes.front() == v1_prefix.front()) {
    const std::size_t seen = std::min(bytes.size(), v1_prefix.size());
    if (bytes.substr(0, seen) != v1_prefix.substr(0, seen)) return verdict_invalid(1, "PROXY v1: wrong prefix");
    return parse_v1(bytes);
  }
  if (bytes.front() == v2_signature.front()) return parse_v2(bytes);
  return verdict_invalid(0, "not a PROXY protocol header");
}

}  // namespace ferry
