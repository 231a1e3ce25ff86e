// A list of IPv4 and IPv6 networks, parsed strictly from the config and matched against the
// client address as ferry logs it: who may read /metrics, which clients an auth rule admits.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/toml_values.hpp"

namespace ferry {

// One network. IPv4 and IPv6 are kept apart: an IPv4 network matches IPv4 clients and
// IPv4-mapped IPv6 clients ("::ffff:127.0.0.1"); an IPv6 network matches the other IPv6
// clients only, so "::/0" does not open the endpoint to IPv4.
struct ip_network {
  bool v4 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  unsigned prefix = 0;                   // 0..32 (IPv4) or 0..128 (IPv6)

  bool operator==(const ip_network&) const = default;
};

// "ADDRESS/PREFIX" or a bare ADDRESS (a single host: /32 or /128). The address is what
// inet_pton accepts (dotted quad with exactly four decimal parts, or IPv6 text, no zone id);
// the prefix is decimal without sign or leading zeros. Host bits set below the prefix
// ("10.0.0.1/8") are refused rather than masked, because they usually mean a typo.
// An IPv6 network inside ::ffff:0:0/96 with prefix >= 96 is stored as the IPv4 network it is.
parsed<ip_network> parse_cidr(std::string_view text);

class cidr_list {
 public:
  cidr_list() = default;  // empty: allows nobody
  explicit cidr_list(std::vector<ip_network> networks) : networks_(std::move(networks)) {}

  // 127.0.0.0/8 and ::1/128.
  static cidr_list loopback();

  // Whether `address` (numeric IPv4 "127.0.0.1" or IPv6 "::1", optionally with a zone id
  // "fe80::1%eth0" of 1 to 15 visible bytes, which is ignored) lies in one of the networks.
  // Anything else, including "-" or text with a NUL, is not allowed. Safe and bounded on any
  // input.
  bool allows(std::string_view address) const;

  // Parses and appends one network; returns what is wrong with it ("" when added).
  std::string add(std::string_view cidr);
  bool empty() const { return networks_.empty(); }

  const std::vector<ip_network>& networks() const { return networks_; }

 private:
  std::vector<ip_network> networks_;
};

}  // namespace ferry
