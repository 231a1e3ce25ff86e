#include "modules/tls/ktls_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ferry {
namespace {

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// TCP_ULP needs a connected socket: a throwaway loopback connection is made for the question
// (which also loads the kernel's tls module where that is allowed, as OpenSSL's own attempt
// would).
bool ask_kernel() {
#ifdef TCP_ULP
  fd_guard listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (listener.fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener.fd, 1) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return false;
  }
  fd_guard client{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (client.fd < 0 || ::connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return false;
  fd_guard server{::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC)};
  if (server.fd < 0) return false;
  return ::setsockopt(server.fd, SOL_TCP, TCP_ULP, "tls", 3) == 0;
#else
  return false;
#endif
}

}  // namespace

bool kernel_offers_ktls() {
  static const bool offered = ask_kernel();
  return offered;
}

}  // namespace ferry
