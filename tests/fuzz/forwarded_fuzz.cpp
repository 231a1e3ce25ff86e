// Fuzzes the client address behind trusted proxies. Input: one byte choosing the peer and the
// header, then field values separated by '\n'. The answer must be the peer or an address that
// appears in the input, trusted or not as its source says, the same whether the fields come as
// a list or inside a request, and unchanged when a client adds a field on the left (the part a
// client controls) once an untrusted or malformed hop has decided it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "policy/forwarded_client.hpp"

namespace {

using ferry::forwarded_source;

const ferry::cidr_list& trusted() {
  static const ferry::cidr_list list = [] {
    ferry::cidr_list l;
    for (const char* network : {"10.0.0.0/8", "192.168.0.0/16", "fd00::/8", "127.0.0.1"}) {
      if (!l.add(network).empty()) __builtin_trap();
    }
    return l;
  }();
  return list;
}

constexpr std::array<std::string_view, 6> peers = {"10.0.0.1", "192.0.2.1", "fd00::1", "::ffff:10.1.1.1",
                                                   "fe80::1%eth0", "127.0.0.1"};

// Canonical spelling of numeric text, or "" when it is none.
std::string canonical(std::string_view text, int family) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return {};
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  in6_addr binary{};
  if (inet_pton(family, buffer, &binary) != 1) return {};
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, &binary, out, sizeof out) == nullptr) return {};
  return out;
}

bool address_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

// Whether `address` is the canonical spelling of an address written somewhere in `input`,
// alone or with a ":port" after an IPv4 address.
bool appears_in(std::string_view address, std::string_view input) {
  std::size_t i = 0;
  while (i < input.size()) {
    if (!address_char(input[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < input.size() && address_char(input[end])) ++end;
    const std::string_view token = input.substr(i, end - i);
    i = end;
    if (token.size() > 60) continue;
    if (canonical(token, AF_INET) == address || canonical(token, AF_INET6) == address) return true;
    const std::size_t colon = token.rfind(':');
    if (colon != std::string_view::npos && canonical(token.substr(0, colon), AF_INET) == address) return true;
  }
  return false;
}

bool same(const ferry::forwarded_client& a, const ferry::forwarded_client& b) {
  return a.address == b.address && a.source == b.source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view peer = peers[(data[0] >> 1) % peers.size()];
  const auto header = (data[0] & 1) != 0 ? ferry::forwarded_header::forwarded : ferry::forwarded_header::x_forwarded_for;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> fields;
  for (std::size_t start = 0; start <= input.size();) {
    const std::size_t lf = std::min(input.find('\n', start), input.size());
    fields.push_back(input.substr(start, lf - start));
    start = lf + 1;
  }

  const auto r = ferry::resolve_forwarded_client(peer, trusted(), header, fields);
  const bool peer_trusted = trusted().allows(peer);
  switch (r.source) {
    case forwarded_source::untrusted_peer:
      if (peer_trusted || r.address != peer) __builtin_trap();
      break;
    case forwarded_source::no_header:
      if (!peer_trusted || r.address != peer) __builtin_trap();
      break;
    case forwarded_source::untrusted_hop:
      if (!peer_trusted || trusted().allows(r.address) || !appears_in(r.address, input)) __builtin_trap();
      break;
    case forwarded_source::all_trusted:
    case forwarded_source::malformed_hop:
    case forwarded_source::hop_limit:
      if (!peer_trusted || !trusted().allows(r.address)) __builtin_trap();
      if (r.address != peer && !appears_in(r.address, input)) __builtin_trap();
      break;
  }

  // The same fields inside a request, among other headers.
  ferry::request req;
  const std::string_view name = ferry::forwarded_header_name(header);
  for (const auto field : fields) {
    req.add_header("X-Other", "for=6.6.6.6, 6.6.6.6");
    req.add_header(name, field);
  }
  if (!same(ferry::resolve_forwarded_client(peer, trusted(), header, req), r)) __builtin_trap();

  // A client can add fields on the left; once a hop right of them decided, they change nothing.
  if (r.source == forwarded_source::untrusted_hop || r.source == forwarded_source::malformed_hop ||
      r.source == forwarded_source::hop_limit) {
    std::vector<std::string_view> spoofed = {fields.back(), "for=6.6.6.6, 6.6.6.6"};
    spoofed.insert(spoofed.end(), fields.begin(), fields.end());
    if (!same(ferry::resolve_forwarded_client(peer, trusted(), header, spoofed), r)) __builtin_trap();
  }
  return 0;
}
