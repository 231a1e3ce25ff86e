// Winsock. There is no SO_REUSEPORT (balanced_port_sharing is false: one socket listens) and
// no sendfile that works on a non-blocking socket with completion-port I/O, so file bytes are
// read and sent. Listening sockets are SO_EXCLUSIVEADDRUSE: Windows' SO_REUSEADDR would let
// another process bind the same port and take connections.
#include "platform/socket_calls.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <memory>
#include <system_error>

#include "platform/file_io.hpp"

namespace ferry::platform {

namespace {

constexpr int listen_backlog = SOMAXCONN;
constexpr std::size_t copy_piece = 64 * 1024;

void start_winsock() {
  static const bool started = [] {
    WSADATA data{};
    return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  (void)started;
}

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::system_category(), what);
}

int chunk(std::size_t length) { return static_cast<int>(std::min<std::size_t>(length, INT_MAX)); }

}  // namespace

native_socket listen_on(const std::string& host, std::uint16_t port, bool, std::string* bound_address) {
  start_winsock();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) fail(rc, "cannot resolve listen address " + host);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  const SOCKET s = ::WSASocketW(found->ai_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) fail(::WSAGetLastError(), "socket");
  const int one = 1;
  const auto* option = reinterpret_cast<const char*>(&one);
  ::setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, option, sizeof one);
  if (found->ai_family == AF_INET6) ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, option, sizeof one);
  u_long non_blocking = 1;
  ::ioctlsocket(s, static_cast<long>(FIONBIO), &non_blocking);
  if (::bind(s, found->ai_addr, static_cast<int>(found->ai_addrlen)) != 0) {
    const int saved = ::WSAGetLastError();
    ::closesocket(s);
    fail(saved, "cannot bind " + host + ":" + service);
  }
  if (::listen(s, listen_backlog) != 0) {
    const int saved = ::WSAGetLastError();
    ::closesocket(s);
    fail(saved, "listen " + host + ":" + service);
  }
  sockaddr_storage address{};
  if (bound_address != nullptr && local_address(s, address)) *bound_address = describe_address(address);
  return s;
}

bool local_address(native_socket s, sockaddr_storage& out) {
  int length = sizeof out;
  return ::getsockname(s, reinterpret_cast<sockaddr*>(&out), &length) == 0;
}

std::int64_t receive(native_socket s, void* into, std::size_t length, bool peek) {
  const int n = ::recv(s, static_cast<char*>(into), chunk(length), peek ? MSG_PEEK : 0);
  return n == SOCKET_ERROR ? -1 : n;
}

std::int64_t send_bytes(native_socket s, const void* bytes, std::size_t length, bool) {
  const int n = ::send(s, static_cast<const char*>(bytes), chunk(length), 0);
  return n == SOCKET_ERROR ? -1 : n;
}

std::int64_t send_file(native_socket s, int file_fd, std::uint64_t offset, std::size_t length) {
  thread_local std::array<char, copy_piece> piece;
  const auto got = read_at(file_fd, piece.data(), std::min(length, piece.size()), offset);
  if (got <= 0) {
    if (got < 0) ::WSASetLastError(WSAEINVAL);  // a failed read is not the socket's would-block
    return got;
  }
  return send_bytes(s, piece.data(), static_cast<std::size_t>(got));
}

std::int64_t send_file_copied(native_socket s, int file_fd, std::uint64_t offset, std::size_t length) {
  return send_file(s, file_fd, offset, length);  // it copies already
}

void use_copying_send_file_for_testing(bool) {}

bool zero_copy_send_file() { return false; }

void shutdown_write(native_socket s) { ::shutdown(s, SD_SEND); }

void acknowledge_now(native_socket) {}

void close_socket(native_socket s) { ::closesocket(s); }

native_socket duplicate_socket(native_socket) {
  errno = ENOTSUP;
  return no_socket;
}

socket_error last_socket_error() {
  switch (::WSAGetLastError()) {
    case WSAEWOULDBLOCK: return socket_error::would_block;
    case WSAEINTR: return socket_error::interrupted;
    default: return socket_error::other;
  }
}

}  // namespace ferry::platform
