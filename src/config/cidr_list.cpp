#include "config/cidr_list.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "platform/inet.hpp"

namespace ferry {
namespace {

// The longest numeric address inet_pton can accept ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").
constexpr std::size_t max_address_text = 45;

bool is_v4_mapped(const std::array<std::uint8_t, 16>& bytes) {
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

// Numeric text to an address; `prefix` is set to the full length. Refuses what inet_pton
// refuses, and anything inet_pton would misread after a C-string cut (embedded NUL).
bool parse_address(std::string_view text, ip_network& out) {
  if (text.empty() || text.size() > max_address_text) return false;
  if (text.find('\0') != std::string_view::npos) return false;
  char buffer[max_address_text + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  out = ip_network{};
  if (text.find(':') == std::string_view::npos) {
    out.v4 = true;
    out.prefix = 32;
    return inet_pton(AF_INET, buffer, out.bytes.data()) == 1;
  }
  out.v4 = false;
  out.prefix = 128;
  return inet_pton(AF_INET6, buffer, out.bytes.data()) == 1;
}

// ::ffff:a.b.c.d/(96+n) → a.b.c.d/n, so that mapped clients and IPv4 networks meet.
void unmap(ip_network& network) {
  if (network.v4 || network.prefix < 96 || !is_v4_mapped(network.bytes)) return;
  std::array<std::uint8_t, 16> v4{};
  std::copy_n(network.bytes.begin() + 12, 4, v4.begin());
  network.bytes = v4;
  network.prefix -= 96;
  network.v4 = true;
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

// Whether the first `prefix` bits of `a` and `b` agree.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 unsigned prefix) {
  const std::size_t whole = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (a[whole] & mask) == (b[whole] & mask);
}

std::array<std::uint8_t, 16> masked(const std::array<std::uint8_t, 16>& bytes, unsigned prefix) {
  std::array<std::uint8_t, 16> out{};
  const std::size_t whole = prefix / 8;
  std::copy_n(bytes.begin(), whole, out.begin());
  if (prefix % 8 != 0) out[whole] = static_cast<std::uint8_t>(bytes[whole] & (0xff00u >> (prefix % 8)));
  return out;
}

std::string network_text(const ip_network& network) {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(network.v4 ? AF_INET : AF_INET6, network.bytes.data(), buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(network.prefix);
}

// An interface name or index as getnameinfo/asio print it after '%': 1 to IF_NAMESIZE - 1
// visible ASCII bytes.
bool is_zone_id(std::string_view zone) {
  if (zone.empty() || zone.size() >= platform::interface_name_size) return false;
  return std::all_of(zone.begin(), zone.end(), [](char c) { return c > ' ' && c < 0x7f && c != '%' && c != '/'; });
}

}  // namespace

parsed<ip_network> parse_cidr(std::string_view text) {
  parsed<ip_network> result;
  const std::size_t slash = text.find('/');
  const std::string_view address = text.substr(0, slash);
  if (!parse_address(address, result.value)) {
    result.error = "must be an IPv4 or IPv6 network such as \"10.0.0.0/8\" or \"fd00::/8\"";
    return result;
  }
  const unsigned max = result.value.prefix;
  if (slash != std::string_view::npos &&
      !parse_prefix(text.substr(slash + 1), max, result.value.prefix)) {
    result.error = "the prefix length after '/' must be a number from 0 to " + std::to_string(max);
    return result;
  }
  if (masked(result.value.bytes, result.value.prefix) != result.value.bytes) {
    ip_network network = result.value;
    network.bytes = masked(network.bytes, network.prefix);
    result.error = "has bits set after the prefix length (the network is " + network_text(network) + ")";
    return result;
  }
  unmap(result.value);
  return result;
}

cidr_list cidr_list::loopback() {
  return cidr_list({parse_cidr("127.0.0.0/8").value, parse_cidr("::1/128").value});
}

std::string cidr_list::add(std::string_view cidr) {
  auto network = parse_cidr(cidr);
  if (!network) return network.error;
  networks_.push_back(network.value);
  return {};
}

bool cidr_list::allows(std::string_view address) const {
  if (networks_.empty()) return false;
  // A zone id names the interface of a link-local address; the address alone decides.
  const std::size_t zone = address.find('%');
  if (zone != std::string_view::npos) {
    if (address.find(':') > zone || !is_zone_id(address.substr(zone + 1))) return false;
    address = address.substr(0, zone);
  }
  ip_network client;
  if (!parse_address(address, client)) return false;
  unmap(client);
  return std::any_of(networks_.begin(), networks_.end(), [&client](const ip_network& network) {
    return network.v4 == client.v4 && same_prefix(network.bytes, client.bytes, network.prefix);
  });
}

}  // namespace ferry
