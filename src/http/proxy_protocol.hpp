// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): what a TCP load
// balancer puts before the first byte of a connection to say who the client is. Parsed from the
// first bytes received on a listener that enables it; the rest of the stream is the
// application's. A pure function of the bytes: no I/O, no allocation, bounded on any input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ferry {

// Version 1 is one text line of at most 107 bytes including its CRLF.
inline constexpr std::size_t proxy_v1_max_length = 107;
// Version 2 is 16 fixed bytes and a length-prefixed block. The length field allows 64 KiB;
// ferry accepts 520 bytes of block (a UNIX address pair and 304 bytes of TLVs, or IPv6 and
// 484), which leaves room for the TLVs load balancers send (AWS, GCP, HAProxy's SSL ones).
inline constexpr std::size_t proxy_v2_max_length = 536;
// A caller that buffers this many bytes always gets a verdict other than need_more.
inline constexpr std::size_t proxy_header_max_length = proxy_v2_max_length;

enum class proxy_header_status : std::uint8_t {
  need_more,  // a valid header may still follow: read more and call again with all bytes
  invalid,    // not a valid header, whatever follows: close the connection
  parsed,     // a whole valid header: skip `consumed` bytes
};

// An address as numeric text (inet_ntop's canonical spelling) and a port.
struct proxy_endpoint {
  std::array<char, 46> text_storage{};  // INET6_ADDRSTRLEN, without the NUL
  std::uint8_t text_length = 0;
  std::uint16_t port = 0;

  std::string_view address() const { return {text_storage.data(), text_length}; }
};

struct proxy_header {
  proxy_header_status status = proxy_header_status::need_more;
  std::uint8_t version = 0;  // 1 or 2 as soon as the first byte tells; 0 before that
  // parsed: the length of the header; the bytes after it belong to the application protocol.
  std::size_t consumed = 0;
  // need_more: the header is at most this long (107 for v1, 16 + its length field for v2 once
  // those 16 bytes are in, else 536). need_more is never returned for bytes this long.
  std::size_t length_bound = proxy_header_max_length;
  // parsed: whether the header names the client. False for v1 "UNKNOWN", v2 LOCAL (health
  // checks), and v2 families/protocols other than TCP over IPv4/IPv6 (UNSPEC, UDP, UNIX):
  // the spec says to fall back to the real connection's addresses then.
  bool has_address = false;
  proxy_endpoint source;       // the client, when has_address
  proxy_endpoint destination;  // the address the client connected to, when has_address
  std::string_view error;      // invalid: why, for a log line (static text)
};

// Parses the header at the start of `bytes` (all bytes received so far on the connection).
// Strict: v1 is "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" with single spaces, addresses
// inet_pton accepts for the declared family (IPv4 without leading zeros), decimal ports
// 0..65535 without sign or leading zeros; or "PROXY UNKNOWN" and, after a space, any printable
// text, then CRLF. v2 checks the signature, version 2, command LOCAL or PROXY, known family and
// protocol nibbles, a length of at most 520 that holds the declared addresses, and that the
// TLVs after the addresses exactly fill the block (their contents, CRC32C included, are not
// checked). Everything else is invalid, as early as the bytes allow.
proxy_header parse_proxy_header(std::string_view bytes);

}  // namespace ferry
