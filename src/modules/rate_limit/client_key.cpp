#include "modules/rate_limit/client_key.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ferry {
namespace {

// The longest numeric address inet_pton accepts:
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
constexpr std::size_t max_address_text = 45;

// An interface name or index as printed after '%': 1 to IF_NAMESIZE - 1 visible ASCII bytes.
bool is_zone_id(std::string_view zone) {
  if (zone.empty() || zone.size() >= IF_NAMESIZE) return false;
  return std::all_of(zone.begin(), zone.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != '%' && c != '/'; });
}

bool is_v4_mapped(const unsigned char* bytes) {
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

void mask(unsigned char* bytes, std::size_t length, unsigned prefix) {
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t bit = i * 8;
    if (bit >= prefix) {
      bytes[i] = 0;
    } else if (prefix - bit < 8) {
      bytes[i] = static_cast<unsigned char>(bytes[i] & (0xff00u >> (prefix - bit)));
    }
  }
}

unsigned clamp_prefix(unsigned prefix, unsigned max) { return std::clamp(prefix, 1u, max); }

// Dotted decimal, as inet_ntop writes it; glibc's inet_ntop formats IPv4 with sprintf, which
// showed up at 1 % of a worker's CPU on the request path.
std::size_t format_ipv4(const unsigned char* bytes, char* out) {
  std::size_t size = 0;
  for (int i = 0; i < 4; ++i) {
    if (i != 0) out[size++] = '.';
    const unsigned value = bytes[i];
    if (value >= 100) out[size++] = static_cast<char>('0' + value / 100);
    if (value >= 10) out[size++] = static_cast<char>('0' + value / 10 % 10);
    out[size++] = static_cast<char>('0' + value % 10);
  }
  out[size] = '\0';
  return size;
}

}  // namespace

client_key make_client_key(std::string_view address, const client_key_prefixes& prefixes) {
  client_key key;
  const std::size_t zone = address.find('%');
  if (zone != std::string_view::npos) {
    // Only IPv6 text carries a zone id.
    if (address.substr(0, zone).find(':') == std::string_view::npos ||
        !is_zone_id(address.substr(zone + 1))) {
      return key;
    }
    address = address.substr(0, zone);
  }
  if (address.empty() || address.size() > max_address_text) return key;
  // inet_pton reads a C string: a NUL inside would cut the text short and be ignored.
  if (address.find('\0') != std::string_view::npos) return key;
  char input[max_address_text + 1];
  std::memcpy(input, address.data(), address.size());
  input[address.size()] = '\0';

  unsigned char bytes[16] = {};
  int family = AF_INET;
  unsigned prefix = 0;
  if (address.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, input, bytes) != 1) return key;
    prefix = clamp_prefix(prefixes.v4, 32);
  } else {
    if (inet_pton(AF_INET6, input, bytes) != 1) return key;
    if (is_v4_mapped(bytes)) {
      std::memmove(bytes, bytes + 12, 4);
      std::memset(bytes + 4, 0, 12);
      prefix = clamp_prefix(prefixes.v4, 32);
    } else {
      family = AF_INET6;
      prefix = clamp_prefix(prefixes.v6, 128);
    }
  }
  mask(bytes, family == AF_INET ? 4 : 16, prefix);

  char network[INET6_ADDRSTRLEN] = {};
  std::size_t length = 0;
  if (family == AF_INET) {
    length = format_ipv4(bytes, network);
  } else {
    if (inet_ntop(family, bytes, network, sizeof network) == nullptr) return key;
    length = std::strlen(network);
  }
  // "/" and at most three digits follow; max_size leaves room for that after the longest text
  // inet_ntop can write (INET6_ADDRSTRLEN - 1).
  if (length + 4 > client_key::max_size) return key;
  char* out = key.text_.data();
  std::memcpy(out, network, length);
  std::size_t size = length;
  out[size++] = '/';
  if (prefix >= 100) out[size++] = static_cast<char>('0' + prefix / 100);
  if (prefix >= 10) out[size++] = static_cast<char>('0' + prefix / 10 % 10);
  out[size++] = static_cast<char>('0' + prefix % 10);
  key.size_ = size;
  return key;
}

}  // namespace ferry
