// The rate-limit bucket of a client address: the network it lies in, so that one host with
// many addresses (an IPv6 /64 is one customer's LAN) cannot multiply its allowance.
//
// Input is the address as ferry logs it: numeric IPv4 ("192.0.2.7") or IPv6 ("2001:db8::1"),
// optionally with a zone id ("fe80::1%eth0", which is dropped: the network decides). An
// IPv4-mapped IPv6 address ("::ffff:192.0.2.7") is the IPv4 address it carries. Output is
// the network in canonical text, prefix always written: "192.0.2.0/24", "2001:db8::/64"
// (inet_ntop's RFC 5952 form of the masked bytes), so equal networks give equal keys however
// the address was spelled. Bounded work and no allocation on any input.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ferry {

struct client_key_prefixes {
  unsigned v4 = 32;  // 1..32; values outside are clamped
  unsigned v6 = 64;  // 1..128; values outside are clamped
};

class client_key {
 public:
  // Room for the longest text inet_ntop may write (45 bytes) and "/128". In practice the
  // longest key is "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 43 bytes.
  static constexpr std::size_t max_size = 49;

  // False for text that is not a numeric address: the caller keys on the raw text instead.
  bool valid() const { return size_ != 0; }
  std::string_view text() const { return {text_.data(), size_}; }

 private:
  friend client_key make_client_key(std::string_view address, const client_key_prefixes& prefixes);
  std::array<char, max_size> text_{};
  std::size_t size_ = 0;
};

client_key make_client_key(std::string_view address, const client_key_prefixes& prefixes = {});

}  // namespace ferry
