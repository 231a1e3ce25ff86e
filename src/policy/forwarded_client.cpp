#include "policy/forwarded_client.hpp"

#include <array>
#include <cstring>

#include "http/char_classes.hpp"
#include "http/request.hpp"
#include "platform/inet.hpp"

namespace ferry {
namespace {

// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
constexpr std::size_t max_address_text = 45;

// A hop's address in inet_ntop's spelling: fixed storage, so the walk allocates nothing.
struct address_text {
  std::array<char, INET6_ADDRSTRLEN> storage{};
  std::size_t length = 0;

  std::string_view view() const { return {storage.data(), length}; }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
using char_class::trim_ows;

using char_class::is_token;

// RFC 9110 qdtext (no quoted-pair: the caller has refused backslashes already).
bool is_qdtext(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '\t' || c == ' ' || c == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e) || u >= 0x80;
}

// Numeric text of `family` to its canonical spelling. IPv4 must not have leading zeros: some
// parsers read "010" as octal, and two spellings of one client must not make two buckets.
bool canonical_address(std::string_view text, int family, address_text& out) {
  if (text.empty() || text.size() > max_address_text) return false;
  for (const char c : text) {
    const bool allowed = is_digit(c) || c == '.' || (family == AF_INET6 && (c == ':' || (c >= 'a' && c <= 'f') ||
                                                                          (c >= 'A' && c <= 'F')));
    if (!allowed) return false;
  }
  if (family == AF_INET) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
      if ((i == 0 || text[i - 1] == '.') && text[i] == '0' && is_digit(text[i + 1])) return false;
    }
  }
  char buffer[max_address_text + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  in6_addr binary{};
  if (inet_pton(family, buffer, &binary) != 1) return false;
  if (platform::address_text(family, &binary, out.storage.data(), out.storage.size()) == nullptr) {
    return false;
  }
  out.length = std::strlen(out.storage.data());
  return true;
}

// RFC 7239 / RFC 3986: 1 to 5 digits, at most 65535.
bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value <= 65535;
}

// RFC 7239 obfport: "_" 1*(ALPHA / DIGIT / "." / "_" / "-").
bool is_obfuscated_port(std::string_view text) {
  if (text.size() < 2 || text.front() != '_') return false;
  for (const char c : text.substr(1)) {
    if (!is_digit(c) && !is_alpha(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// IPv4, "[IPv6]", each with an optional ":port"; and bare IPv6 when `bare_ipv6` (X-Forwarded-For).
bool parse_node(std::string_view node, bool bare_ipv6, bool obfuscated_port, address_text& out) {
  std::string_view port;
  bool has_port = false;
  int family = AF_INET;
  std::string_view address = node;
  if (!node.empty() && node.front() == '[') {
    const std::size_t close = node.find(']');
    if (close == std::string_view::npos) return false;
    family = AF_INET6;
    address = node.substr(1, close - 1);
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = node.find(':');
    if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
      address = node.substr(0, colon);  // "IPv4:port"
      has_port = true;
      port = node.substr(colon + 1);
    } else if (colon != std::string_view::npos) {
      if (!bare_ipv6) return false;
      family = AF_INET6;
    }
  }
  if (has_port && !is_port(port) && !(obfuscated_port && is_obfuscated_port(port))) return false;
  return canonical_address(address, family, out);
}

bool parse_x_forwarded_for_element(std::string_view element, address_text& out) {
  return parse_node(element, true, false, out);
}

// One forwarded-element: pairs separated by ';', exactly one "for". The caller has checked that
// quotes balance and that there is no backslash.
bool parse_forwarded_element(std::string_view element, address_text& out) {
  constexpr std::array<std::string_view, 4> known = {"for", "by", "host", "proto"};
  unsigned seen = 0;  // bit i: known[i] occurred; RFC 7239 §4 allows each once per element
  std::string_view node;
  while (true) {
    // Quotes balance, so a ';' inside a quoted value is found by skipping quoted runs.
    std::size_t end = 0;
    bool quoted = false;
    while (end < element.size() && (quoted || element[end] != ';')) {
      if (element[end] == '"') quoted = !quoted;
      ++end;
    }
    const std::string_view pair = trim_ows(element.substr(0, end));
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      if (equals == std::string_view::npos) return false;
      const std::string_view name = pair.substr(0, equals);
      std::string_view value = pair.substr(equals + 1);
      if (!is_token(name)) return false;
      if (!value.empty() && value.front() == '"') {
        if (value.size() < 2 || value.back() != '"') return false;
        value = value.substr(1, value.size() - 2);
        for (const char c : value) {
          if (!is_qdtext(c)) return false;  // includes a '"' in the middle
        }
      } else if (!is_token(value)) {
        return false;
      }
      for (std::size_t i = 0; i < known.size(); ++i) {
        if (!iequals(name, known[i])) continue;
        if (seen & (1u << i)) return false;
        seen |= 1u << i;
        if (i == 0) node = value;
      }
    }
    if (end == element.size()) break;
    element = element.substr(end + 1);
  }
  // No "for", or "unknown", or an obfuscated identifier: the hop does not say who it served.
  if ((seen & 1u) == 0) return false;
  return parse_node(node, false, true, out);
}

// Walks field values from the last one back, each from its end, until the client is known.
class hop_walk {
 public:
  hop_walk(std::string_view peer, const cidr_list& trusted, forwarded_header header)
      : peer_(peer), trusted_(trusted), header_(header) {}

  // Returns false once the answer is known; earlier fields are then not looked at.
  bool field(std::string_view value) {
    std::size_t end = value.size();
    while (true) {
      if (examined_ == max_forwarded_elements) return finish(forwarded_source::hop_limit);
      ++examined_;
      // Find where the element ending at `end` starts. Scanning from the right means only the
      // bytes right of a hop, written by trusted proxies, decide where that hop begins.
      std::size_t start = end;
      bool quoted = false;
      bool bad = false;
      while (start > 0) {
        const char c = value[start - 1];
        if (header_ == forwarded_header::forwarded) {
          if (c == '"') {
            quoted = !quoted;
          } else if (c == '\\') {
            // Only a quoted-pair has a backslash; no node needs one and the element parser
            // refuses it anyway, so stop here rather than guess which quote it escapes.
            bad = true;
            break;
          }
        }
        if (c == ',' && !quoted) break;
        --start;
      }
      if (bad || quoted) return finish(forwarded_source::malformed_hop);
      const std::string_view element = trim_ows(value.substr(start, end - start));
      if (!element.empty()) {
        address_text hop;
        const bool ok = header_ == forwarded_header::forwarded ? parse_forwarded_element(element, hop)
                                                               : parse_x_forwarded_for_element(element, hop);
        if (!ok) return finish(forwarded_source::malformed_hop);
        if (!trusted_.allows(hop.view())) {
          last_good_ = hop;
          return finish(forwarded_source::untrusted_hop);
        }
        last_good_ = hop;
        has_hop_ = true;
      }
      if (start == 0) return true;
      end = start - 1;  // before the comma
    }
  }

  forwarded_client result() {
    if (!done_) finish(has_hop_ ? forwarded_source::all_trusted : forwarded_source::no_header);
    forwarded_client client;
    client.source = source_;
    if (source_ == forwarded_source::untrusted_hop || has_hop_) {
      client.address.assign(last_good_.view());
    } else {
      client.address.assign(peer_);
    }
    return client;
  }

 private:
  bool finish(forwarded_source source) {
    source_ = source;
    done_ = true;
    return false;
  }

  std::string_view peer_;
  const cidr_list& trusted_;
  forwarded_header header_;
  std::size_t examined_ = 0;
  address_text last_good_;
  bool has_hop_ = false;  // last_good_ holds a trusted hop; else the peer is the last good one
  bool done_ = false;
  forwarded_source source_ = forwarded_source::no_header;
};

}  // namespace

std::string_view forwarded_header_name(forwarded_header header) {
  return header == forwarded_header::forwarded ? "Forwarded" : "X-Forwarded-For";
}

forwarded_client resolve_forwarded_client(std::string_view peer, const cidr_list& trusted, forwarded_header header,
                                          std::span<const std::string_view> field_values) {
  if (!trusted.allows(peer)) return {std::string(peer), forwarded_source::untrusted_peer};
  hop_walk walk(peer, trusted, header);
  for (auto it = field_values.rbegin(); it != field_values.rend(); ++it) {
    if (!walk.field(*it)) break;
  }
  return walk.result();
}

forwarded_client resolve_forwarded_client(std::string_view peer, const cidr_list& trusted, forwarded_header header,
                                          const request& req) {
  if (!trusted.allows(peer)) return {std::string(peer), forwarded_source::untrusted_peer};
  const std::string_view name = forwarded_header_name(header);
  hop_walk walk(peer, trusted, header);
  for (auto it = req.headers().rbegin(); it != req.headers().rend(); ++it) {
    if (iequals(it->name, name) && !walk.field(it->value)) break;
  }
  return walk.result();
}

}  // namespace ferry
