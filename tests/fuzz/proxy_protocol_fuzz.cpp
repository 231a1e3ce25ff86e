// Fuzzes the PROXY protocol header parser: arbitrary first bytes of a connection must give a
// verdict within bounds, addresses that read back as themselves, and the same verdict however
// the bytes arrive (a prefix never contradicts the whole).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "http/proxy_protocol.hpp"

namespace {

using ferry::proxy_header_status;

// The address is inet_ntop's spelling: it parses back, and prints the same.
bool canonical(std::string_view address) {
  if (address.empty() || address.size() >= INET6_ADDRSTRLEN) return false;
  char text[INET6_ADDRSTRLEN] = {};
  std::memcpy(text, address.data(), address.size());
  const int family = address.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  in6_addr binary{};
  if (inet_pton(family, text, &binary) != 1) return false;
  char again[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, &binary, again, sizeof again) == nullptr) return false;
  return address == again;
}

bool same(const ferry::proxy_header& a, const ferry::proxy_header& b) {
  return a.status == b.status && a.version == b.version && a.consumed == b.consumed &&
         a.has_address == b.has_address && a.source.address() == b.source.address() &&
         a.source.port == b.source.port && a.destination.address() == b.destination.address() &&
         a.destination.port == b.destination.port;
}

void check(std::string_view input, const ferry::proxy_header& r) {
  switch (r.status) {
    case proxy_header_status::need_more:
      // Never asks for more once the header's bound is buffered, and the bound is bounded.
      if (input.size() >= r.length_bound || r.length_bound > ferry::proxy_header_max_length) __builtin_trap();
      if (r.has_address || r.consumed != 0) __builtin_trap();
      break;
    case proxy_header_status::invalid:
      if (r.error.empty() || r.has_address || r.consumed != 0) __builtin_trap();
      break;
    case proxy_header_status::parsed:
      if (r.consumed > input.size() || r.consumed < 15) __builtin_trap();
      if (r.version == 1 && r.consumed > ferry::proxy_v1_max_length) __builtin_trap();
      if (r.version == 2 && (r.consumed < 16 || r.consumed > ferry::proxy_v2_max_length)) __builtin_trap();
      if (r.version != 1 && r.version != 2) __builtin_trap();
      if (r.has_address) {
        if (!canonical(r.source.address()) || !canonical(r.destination.address())) __builtin_trap();
        const bool v6 = r.source.address().find(':') != std::string_view::npos;
        if (v6 != (r.destination.address().find(':') != std::string_view::npos)) __builtin_trap();
      } else if (!r.source.address().empty() || !r.destination.address().empty()) {
        __builtin_trap();
      }
      if (!r.error.empty()) __builtin_trap();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = data[0] % (input.size() + 1);
  const auto whole = ferry::parse_proxy_header(input);
  check(input, whole);
  const std::string_view prefix = std::string_view(input).substr(0, split);
  const auto part = ferry::parse_proxy_header(prefix);
  check(prefix, part);
  // A prefix either waits for more or already says what the whole says.
  if (part.status == proxy_header_status::invalid && whole.status != proxy_header_status::invalid) __builtin_trap();
  if (part.status == proxy_header_status::parsed && !same(part, whole)) __builtin_trap();
  if (whole.status == proxy_header_status::parsed) {
    // Bytes after the header do not change it, and anything shorter than it waits.
    const std::string_view header = std::string_view(input).substr(0, whole.consumed);
    if (!same(ferry::parse_proxy_header(header), whole)) __builtin_trap();
    if (split < whole.consumed && part.status != proxy_header_status::need_more) __builtin_trap();
  }
  return 0;
}
