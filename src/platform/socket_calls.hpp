// The socket calls the server makes outside Asio, behind one interface per operating system
// (posix/socket_calls.cpp, windows/socket_calls.cpp): listening sockets, non-blocking
// send/receive, and a file's bytes to a socket — sendfile on Linux, elsewhere read_at into a
// buffer and send (the same bytes, one copy more).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "platform/inet.hpp"

namespace ferry::platform {

#ifdef _WIN32
using native_socket = std::uintptr_t;  // SOCKET
#else
using native_socket = int;
#endif
inline constexpr native_socket no_socket = static_cast<native_socket>(-1);

// Several sockets may listen on one port and the kernel spreads the connections over them
// (Linux SO_REUSEPORT): each worker then accepts on its own. Elsewhere one socket listens and
// its connections are handed to the workers in turn.
#ifdef __linux__
inline constexpr bool balanced_port_sharing = true;
#else
inline constexpr bool balanced_port_sharing = false;
#endif

// A non-blocking TCP socket listening on host:port (port 0: any free port). `share_port`: with
// SO_REUSEPORT, for the workers' sockets on one port (only where balanced_port_sharing).
// `bound_address`, when given, receives "ip:port" as bound. Throws std::system_error.
native_socket listen_on(const std::string& host, std::uint16_t port, bool share_port, std::string* bound_address);

// getsockname; false when the socket has no address.
bool local_address(native_socket s, sockaddr_storage& out);
// "ip:port" / "[ip6]:port" of an address.
std::string describe_address(const sockaddr_storage& address);

// recv (MSG_PEEK with `peek`): the count, 0 when the peer closed, -1 on failure
// (last_socket_error() says why).
std::int64_t receive(native_socket s, void* into, std::size_t length, bool peek = false);
// send, never raising SIGPIPE. `more`: more bytes follow at once (MSG_MORE where it exists).
std::int64_t send_bytes(native_socket s, const void* bytes, std::size_t length, bool more = false);
// Up to `length` bytes of the file from `offset` to the socket: the count sent, 0 when the
// file ended early, -1 on failure (last_socket_error(); a failed read is `other`).
std::int64_t send_file(native_socket s, int file_fd, std::uint64_t offset, std::size_t length);
// The same with read_at + send through a buffer of the thread's, where sendfile exists too.
std::int64_t send_file_copied(native_socket s, int file_fd, std::uint64_t offset, std::size_t length);
// Makes send_file copy (read_at + send) even where sendfile exists (tests only: the copy is
// what other systems run, and it must send the same bytes).
void use_copying_send_file_for_testing(bool on);
// Whether send_file hands the bytes to the kernel without a copy through user space (metrics
// count them as sendfile bytes, else as copied).
bool zero_copy_send_file();
void shutdown_write(native_socket s);
// Acknowledges what was received at once instead of after the delayed-ACK timer (Linux
// TCP_QUICKACK; nothing elsewhere).
void acknowledge_now(native_socket s);
// A second descriptor for the same socket (POSIX dup, close-on-exec); no_socket on failure
// (errno) and always on Windows, which has no inherited sockets to share.
native_socket duplicate_socket(native_socket s);
void close_socket(native_socket s);

enum class socket_error { would_block, interrupted, other };
socket_error last_socket_error();

}  // namespace ferry::platform
