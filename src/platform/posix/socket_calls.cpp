#include "platform/socket_calls.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <memory>
#include <system_error>

#include "platform/file_io.hpp"

namespace ferry::platform {

namespace {

constexpr int listen_backlog = 4096;
constexpr std::size_t copy_piece = 64 * 1024;

std::atomic<bool> copying_send_file{false};

#ifdef MSG_NOSIGNAL
constexpr int no_signal = MSG_NOSIGNAL;
#else
constexpr int no_signal = 0;  // macOS: the socket is set SO_NOSIGPIPE instead
#endif
#ifdef MSG_MORE
constexpr int more_follows = MSG_MORE;
#else
constexpr int more_follows = 0;
#endif

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

native_socket listen_on(const std::string& host, std::uint16_t port, bool share_port, std::string* bound_address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) fail(EINVAL, "cannot resolve listen address " + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
#ifdef SOCK_CLOEXEC
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail(errno, "socket");
#else
  const int fd = ::socket(found->ai_family, SOCK_STREAM, 0);
  if (fd < 0) fail(errno, "socket");
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (share_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
#ifdef SO_NOSIGPIPE
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  if (found->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    const int saved = errno;
    ::close(fd);
    fail(saved, "cannot bind " + host + ":" + service);
  }
  if (::listen(fd, listen_backlog) != 0) {
    const int saved = errno;
    ::close(fd);
    fail(saved, "listen " + host + ":" + service);
  }
  sockaddr_storage address{};
  if (bound_address != nullptr && local_address(fd, address)) *bound_address = describe_address(address);
  return fd;
}

bool local_address(native_socket s, sockaddr_storage& out) {
  socklen_t length = sizeof out;
  return ::getsockname(s, reinterpret_cast<sockaddr*>(&out), &length) == 0;
}

std::int64_t receive(native_socket s, void* into, std::size_t length, bool peek) {
  return ::recv(s, into, length, peek ? MSG_PEEK : 0);
}

std::int64_t send_bytes(native_socket s, const void* bytes, std::size_t length, bool more) {
  return ::send(s, bytes, length, no_signal | (more ? more_follows : 0));
}

std::int64_t send_file_copied(native_socket s, int file_fd, std::uint64_t offset, std::size_t length) {
  thread_local std::array<char, copy_piece> piece;
  const auto got = read_at(file_fd, piece.data(), std::min(length, piece.size()), offset);
  if (got <= 0) {
    if (got < 0) errno = EIO;  // a failed read is not the socket's would-block
    return got;
  }
  return send_bytes(s, piece.data(), static_cast<std::size_t>(got));
}

std::int64_t send_file(native_socket s, int file_fd, std::uint64_t offset, std::size_t length) {
#ifdef __linux__
  if (!copying_send_file.load(std::memory_order_relaxed)) {
    auto file_offset = static_cast<off_t>(offset);
    return ::sendfile(s, file_fd, &file_offset, length);
  }
#endif
  return send_file_copied(s, file_fd, offset, length);
}

void use_copying_send_file_for_testing(bool on) { copying_send_file.store(on); }

bool zero_copy_send_file() {
#ifdef __linux__
  return !copying_send_file.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void shutdown_write(native_socket s) { ::shutdown(s, SHUT_WR); }

void acknowledge_now(native_socket s) {
#ifdef TCP_QUICKACK
  const int on = 1;
  (void)::setsockopt(s, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#else
  (void)s;
#endif
}

void close_socket(native_socket s) { ::close(s); }

native_socket duplicate_socket(native_socket s) { return ::fcntl(s, F_DUPFD_CLOEXEC, 0); }

socket_error last_socket_error() {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return socket_error::would_block;
  if (errno == EINTR) return socket_error::interrupted;
  return socket_error::other;
}

}  // namespace ferry::platform
