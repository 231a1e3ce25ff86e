// A set of IPv4 and IPv6 networks for the `client_address_in` condition. Same rules as the
// metrics allow-list (the auth library does not depend on that module): strict CIDR text, IPv4
// networks also match IPv4-mapped IPv6 clients ("::ffff:10.0.0.1"), IPv6 networks match only
// real IPv6 clients, so "::/0" does not quietly admit every IPv4 address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class policy_address_set {
 public:
  policy_address_set() = default;  // empty: contains nothing

  // Adds "ADDRESS/PREFIX" or a bare ADDRESS (one host). ADDRESS is numeric (what inet_pton
  // accepts, no zone id); PREFIX is decimal, no sign or leading zero. Host bits below the prefix
  // are refused ("10.0.0.1/8" is probably a typo). Returns an error text, empty on success.
  std::string add(std::string_view cidr);

  // Whether the client address (numeric text, optionally with a "%zone" which is ignored) lies
  // in one of the networks. Any other text, including empty, "-", or text with a NUL, is
  // outside. Allocation-free; linear in the number of networks.
  bool contains(std::string_view address) const;

  std::size_t size() const { return v4_.size() + v6_.size(); }
  bool empty() const { return size() == 0; }

 private:
  struct v4_network {
    std::uint32_t address;
    std::uint32_t mask;
  };
  struct v6_network {
    std::uint64_t high;
    std::uint64_t low;
    std::uint64_t high_mask;
    std::uint64_t low_mask;
  };
  std::vector<v4_network> v4_;
  std::vector<v6_network> v6_;
};

}  // namespace ferry
