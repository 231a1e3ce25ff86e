// Socket activation: listening sockets handed over by systemd (or systemd-socket-activate) as
// fds 3, 4, … described by LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES — the sd_listen_fds
// protocol, read directly (no libsystemd). The server matches each one to a configured listener
// by the address it is bound to and uses it instead of binding; sockets matching none are
// served too (see server.cpp).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/listener_config.hpp"
#include "platform/socket_calls.hpp"

namespace ferry {

inline constexpr int listen_fds_start = 3;
// More inherited sockets than this is not a configuration anyone means; refuse it.
inline constexpr std::size_t max_listen_fds = 1024;

// The LISTEN_* variables as parsed, before any fd is looked at.
struct listen_fds_environment {
  std::size_t count = 0;            // fds listen_fds_start … listen_fds_start + count - 1
  std::vector<std::string> names;   // one per fd ("" when LISTEN_FDNAMES is absent)
  std::string error;                // non-empty: malformed, refuse to start
  std::string ignored_because;      // non-empty: LISTEN_PID names another process
};

// Parses the three values (nullptr: the variable is unset) for the process `self`. No
// LISTEN_PID/LISTEN_FDS: count 0. LISTEN_PID of another process: count 0 and
// `ignored_because` says so. Garbage numbers, a count above max_listen_fds, or a number of
// LISTEN_FDNAMES entries unlike LISTEN_FDS: `error` (as libsystemd's sd_listen_fds_with_names
// fails on them).
listen_fds_environment parse_listen_fds(const char* listen_pid, const char* listen_fds, const char* listen_fdnames,
                                        pid_t self);

// One inherited listening socket.
struct inherited_socket {
  platform::native_socket fd = platform::no_socket;
  std::string name;          // its LISTEN_FDNAMES entry ("" when none)
  sockaddr_storage address{};  // what getsockname says it is bound to
  std::string description;   // "127.0.0.1:8080", "[::]:443"
};

// Checks one fd: an AF_INET/AF_INET6 SOCK_STREAM socket in the listening state. Sets
// O_NONBLOCK and FD_CLOEXEC on it. Returns "" when usable, else why not.
std::string adopt_listening_socket(int fd, inherited_socket& out);

// Reads the environment of this process, adopts every fd it names and unsets LISTEN_PID,
// LISTEN_FDS and LISTEN_FDNAMES (so nothing ferry starts inherits them). Call before any thread
// starts. Throws std::runtime_error when the variables are malformed or an fd is not a usable
// listening TCP socket: guessing which fds are ours would be worse than not starting.
std::vector<inherited_socket> take_inherited_sockets();

using platform::describe_address;

// The port of an AF_INET/AF_INET6 address (0 for other families).
std::uint16_t address_port(const sockaddr_storage& address);

// True when both are the same family, address and port.
bool same_address(const sockaddr_storage& a, const sockaddr_storage& b);

// The address binding `listener` would use (resolved like bind_listener); nullopt when it does
// not resolve or its port is 0 (a port-0 listener never matches an inherited socket).
std::optional<sockaddr_storage> listener_address(const listener_config& listener);

// Removes and returns the first socket in `pool` bound to `listener`'s address, if any.
std::optional<inherited_socket> take_matching_socket(std::vector<inherited_socket>& pool,
                                                     const listener_config& listener);

}  // namespace ferry
