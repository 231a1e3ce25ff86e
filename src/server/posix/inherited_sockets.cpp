// Adopting the listening sockets systemd passes (LISTEN_FDS): POSIX descriptors 3, 4, ...
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "log/logging.hpp"
#include "server/socket_activation.hpp"

namespace ferry {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::string adopt_listening_socket(int fd, inherited_socket& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_text("fstat");
  if (!S_ISSOCK(st.st_mode)) return "not a socket";
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &length) != 0) return errno_text("SO_DOMAIN");
  if (value != AF_INET && value != AF_INET6) return "not an IPv4 or IPv6 socket (address family " + std::to_string(value) + ")";
  length = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length) != 0) return errno_text("SO_TYPE");
  if (value != SOCK_STREAM) return "not a stream (TCP) socket";
  length = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) != 0) return errno_text("SO_ACCEPTCONN");
  if (value == 0) return "not listening (Accept=yes sockets are not supported)";
  sockaddr_storage address{};
  socklen_t address_length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) return errno_text("getsockname");
  // The workers expect non-blocking sockets; nothing ferry might exec should inherit them.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return errno_text("O_NONBLOCK");
  const int fd_flags = ::fcntl(fd, F_GETFD);
  if (fd_flags < 0 || ::fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) != 0) return errno_text("FD_CLOEXEC");
  out.fd = fd;
  out.address = address;
  out.description = describe_address(address);
  return {};
}

std::vector<inherited_socket> take_inherited_sockets() {
  const auto env = parse_listen_fds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                                    std::getenv("LISTEN_FDNAMES"), ::getpid());
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!env.error.empty()) throw std::runtime_error("socket activation: " + env.error);
  if (!env.ignored_because.empty()) log::debug("socket activation: ignored: {}", env.ignored_because);
  std::vector<inherited_socket> sockets;
  for (std::size_t i = 0; i < env.count; ++i) {
    const int fd = listen_fds_start + static_cast<int>(i);
    inherited_socket socket;
    socket.name = env.names[i];
    const auto problem = adopt_listening_socket(fd, socket);
    if (!problem.empty()) {
      throw std::runtime_error("socket activation: inherited fd " + std::to_string(fd) +
                               (socket.name.empty() ? "" : " (\"" + socket.name + "\")") + ": " + problem);
    }
    sockets.push_back(std::move(socket));
  }
  if (!sockets.empty()) log::info("socket activation: {} listening socket(s) inherited", sockets.size());
  return sockets;
}

}  // namespace ferry
