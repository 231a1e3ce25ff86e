#include "modules/auth/policy_address_set.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace ferry {
namespace {

// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is the longest text inet_pton accepts.
constexpr std::size_t longest_address = 45;
// An interface name after '%' is at most IF_NAMESIZE - 1 (15) bytes.
constexpr std::size_t longest_zone = 15;

struct parsed_address {
  bool v4 = false;
  std::uint32_t v4_value = 0;
  std::uint64_t high = 0;
  std::uint64_t low = 0;
};

std::uint64_t load_be64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Numeric text to an address. IPv4-mapped IPv6 comes out as the IPv4 address it carries, so
// both spellings of a client meet the same IPv4 networks.
bool parse_numeric(std::string_view text, parsed_address& out) {
  if (text.empty() || text.size() > longest_address) return false;
  if (text.find('\0') != std::string_view::npos) return false;  // inet_pton would stop there
  char buffer[longest_address + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<unsigned char, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, bytes.data()) != 1) return false;
    out.v4 = true;
    out.v4_value = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                   (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) != 1) return false;
  out.v4 = false;
  out.high = load_be64(bytes.data());
  out.low = load_be64(bytes.data() + 8);
  return true;
}

constexpr std::uint64_t mapped_high = 0;
constexpr std::uint64_t mapped_low_prefix = 0x0000ffff00000000ULL;

bool is_mapped(const parsed_address& a) {
  return !a.v4 && a.high == mapped_high && (a.low & 0xffffffff00000000ULL) == mapped_low_prefix;
}

// The mask of the top `bits` bits of a 64-bit word (bits in 0..64).
std::uint64_t top_bits64(unsigned bits) {
  if (bits == 0) return 0;
  if (bits >= 64) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (64 - bits);
}

std::uint32_t top_bits32(unsigned bits) {
  if (bits == 0) return 0;
  if (bits >= 32) return ~std::uint32_t{0};
  return ~std::uint32_t{0} << (32 - bits);
}

bool parse_prefix(std::string_view text, unsigned max, unsigned& out) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text.front() == '0') return false;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

}  // namespace

std::string policy_address_set::add(std::string_view cidr) {
  const std::size_t slash = cidr.find('/');
  parsed_address a;
  if (!parse_numeric(cidr.substr(0, slash), a)) {
    return "must be an IPv4 or IPv6 network such as \"10.0.0.0/8\" or \"fd00::/8\"";
  }
  const unsigned max = a.v4 ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos && !parse_prefix(cidr.substr(slash + 1), max, prefix)) {
    return "the prefix length after '/' must be a number from 0 to " + std::to_string(max);
  }
  if (a.v4) {
    const std::uint32_t mask = top_bits32(prefix);
    if ((a.v4_value & ~mask) != 0) return "has bits set after the prefix length";
    v4_.push_back({a.v4_value, mask});
    return {};
  }
  const std::uint64_t high_mask = top_bits64(prefix);
  const std::uint64_t low_mask = prefix > 64 ? top_bits64(prefix - 64) : 0;
  if ((a.high & ~high_mask) != 0 || (a.low & ~low_mask) != 0) return "has bits set after the prefix length";
  // ::ffff:a.b.c.d/96+n is the IPv4 network a.b.c.d/n; store it so, as clients are unmapped too.
  if (prefix >= 96 && is_mapped(a)) {
    const auto v4 = static_cast<std::uint32_t>(a.low & 0xffffffffULL);
    v4_.push_back({v4, top_bits32(prefix - 96)});
    return {};
  }
  v6_.push_back({a.high, a.low, high_mask, low_mask});
  return {};
}

bool policy_address_set::contains(std::string_view address) const {
  if (empty()) return false;
  const std::size_t percent = address.find('%');
  if (percent != std::string_view::npos) {
    // Only an IPv6 address has a zone; the zone is 1 to 15 visible bytes and names the
    // interface, not the address, so it does not take part in the match.
    const std::string_view zone = address.substr(percent + 1);
    if (address.substr(0, percent).find(':') == std::string_view::npos) return false;
    if (zone.empty() || zone.size() > longest_zone) return false;
    for (const char c : zone) {
      if (c <= ' ' || c >= 0x7f || c == '%' || c == '/') return false;
    }
    address = address.substr(0, percent);
  }
  parsed_address a;
  if (!parse_numeric(address, a)) return false;
  if (is_mapped(a)) {
    a.v4 = true;
    a.v4_value = static_cast<std::uint32_t>(a.low & 0xffffffffULL);
  }
  if (a.v4) {
    for (const v4_network& n : v4_) {
      if ((a.v4_value & n.mask) == n.address) return true;
    }
    return false;
  }
  for (const v6_network& n : v6_) {
    if ((a.high & n.high_mask) == n.high && (a.low & n.low_mask) == n.low) return true;
  }
  return false;
}

}  // namespace ferry
