// inet_pton/inet_ntop, AF_INET/AF_INET6, in_addr/in6_addr and the byte-order functions:
// <arpa/inet.h> and friends on POSIX, Winsock's headers on Windows (ferry_platform links
// ws2_32 there).
#pragma once

#include <cstddef>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace ferry::platform {

// The longest interface name (with its NUL) an IPv6 zone ("fe80::1%eth0") may carry. Windows
// writes zones as interface indexes, which fit as well.
#ifdef _WIN32
inline constexpr std::size_t interface_name_size = 16;
#else
inline constexpr std::size_t interface_name_size = IF_NAMESIZE;
#endif

// inet_ntop, whose size parameter is a socklen_t on POSIX and a size_t on Windows.
inline const char* address_text(int family, const void* binary, char* out, std::size_t size) {
#ifdef _WIN32
  return ::inet_ntop(family, binary, out, size);
#else
  return ::inet_ntop(family, binary, out, static_cast<socklen_t>(size));
#endif
}

}  // namespace ferry::platform
