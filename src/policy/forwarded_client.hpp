// The client address behind trusted reverse proxies, from X-Forwarded-For or Forwarded
// (RFC 7239). Only proxies in the trusted list are believed: a peer outside it is the client
// whatever its headers say, so an untrusted peer can never choose its own address (and with it
// its rate-limit bucket, log line or allow-list verdict).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/cidr_list.hpp"

namespace ferry {

struct request;

enum class forwarded_header : std::uint8_t {
  x_forwarded_for,  // "X-Forwarded-For: client, proxy1, proxy2"
  forwarded,        // RFC 7239 "Forwarded: for=client, for=\"[2001:db8::1]:443\";proto=https"
};

// "X-Forwarded-For" or "Forwarded".
std::string_view forwarded_header_name(forwarded_header header);

// At most this many list elements are examined, right to left (empty ones included), however
// long the header is: the walk costs the same for a 64-hop chain as for a megabyte of commas.
inline constexpr std::size_t max_forwarded_elements = 64;

// How the address was found; each is a branch to count in a metric.
enum class forwarded_source : std::uint8_t {
  untrusted_peer,  // the peer is not a trusted proxy: the peer, headers ignored
  no_header,       // trusted peer, no element in the header: the peer
  untrusted_hop,   // the nearest hop not in the trusted list
  all_trusted,     // every hop is a trusted proxy: the leftmost
  malformed_hop,   // an element is not an address: the nearest trusted hop to its right
  hop_limit,       // 64 elements examined, all trusted: the leftmost trusted hop among them
};

struct forwarded_client {
  std::string address;  // the peer as given, or a hop in inet_ntop's canonical spelling
  forwarded_source source = forwarded_source::untrusted_peer;
};

// `peer` is the connection's address as numeric text ("192.0.2.1", "2001:db8::1", an optional
// IPv6 zone id as cidr_list accepts). `field_values` are the values of every field of the
// chosen header in the order received; several fields form one list, the last field's last
// element being the nearest hop (RFC 9110 §5.3).
//
// When the peer is trusted the list is walked right to left: trusted hops are skipped, and the
// first untrusted one is the client. An element that is not an address ("unknown",
// obfuscated "_hidden", a host name, garbage) stops the walk, and the answer is the last hop
// known good, i.e. the trusted proxy that wrote the bad element (possibly the peer): whatever
// is left of it may have been written by anyone, and choosing the proxy rather than guessing
// keeps the answer an address that a trusted party vouches for.
//
// Elements: X-Forwarded-For takes IPv4, IPv6, "[IPv6]", "IPv4:port" and "[IPv6]:port" (some
// balancers add the port), with optional whitespace around commas. Forwarded takes elements of
// ";"-separated token=value pairs (whitespace tolerated around ";" only), exactly one "for"
// whose node is IPv4 or "[IPv6]" with an optional port or obfuscated port; a backslash
// (quoted-pair) anywhere in an element makes it malformed, since no node needs one and it
// would make the right-to-left scan ambiguous. Elements are delimited scanning from the right,
// so bytes left of a hop (the untrusted part) cannot change how that hop is read.
//
// Linear in the bytes examined; allocates only the result string.
forwarded_client resolve_forwarded_client(std::string_view peer, const cidr_list& trusted, forwarded_header header,
                                          std::span<const std::string_view> field_values);

// The same, over the request's fields named by `header` (matched case-insensitively).
forwarded_client resolve_forwarded_client(std::string_view peer, const cidr_list& trusted, forwarded_header header,
                                          const request& req);

}  // namespace ferry
