// Tells systemd (Type=notify) how start-up, reloads and shutdown go, with the sd_notify
// datagram protocol spoken directly: one AF_UNIX SOCK_DGRAM message of "KEY=value" lines to the
// socket named by $NOTIFY_SOCKET. No libsystemd. Notifying is best effort: it never blocks and
// never fails the server; without $NOTIFY_SOCKET every call does nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "platform/inet.hpp"  // before afunix.h, which needs Winsock's types

#include <sys/types.h>
#ifdef _WIN32
#include <afunix.h>
#else
#include <sys/un.h>
#endif

namespace ferry {

// Where $NOTIFY_SOCKET points: an absolute path, or "@name" for the Linux abstract namespace
// (the '@' becomes a leading NUL byte). Returns false for anything else (relative paths,
// "vsock:…", too long for sun_path, embedded NUL), leaving `out` unspecified.
bool notify_socket_address(std::string_view value, sockaddr_un& out, socklen_t& length);

// The messages ferry sends. `status` is free text; newlines in it are replaced by spaces so it
// cannot inject further assignments.
std::string notify_ready_message(std::string_view status, pid_t main_pid);
std::string notify_reloading_message(std::uint64_t monotonic_usec, std::string_view status);
std::string notify_stopping_message(std::string_view status);

// CLOCK_MONOTONIC in microseconds (what MONOTONIC_USEC= carries).
std::uint64_t monotonic_usec();

class systemd_notifier {
 public:
  // Inactive: every call does nothing.
  systemd_notifier() = default;
  // Notifies `socket_value` (the syntax of $NOTIFY_SOCKET). The socket is created and connected
  // here, so a later change of user (privileges.hpp) does not need write access to its path.
  explicit systemd_notifier(std::string socket_value);
  ~systemd_notifier();
  systemd_notifier(const systemd_notifier&) = delete;
  systemd_notifier& operator=(const systemd_notifier&) = delete;

  // From $NOTIFY_SOCKET; inactive when it is unset or empty. The variable is left in place.
  static systemd_notifier from_environment();

  bool active() const { return !target_.empty(); }

  // READY=1 with STATUS= and MAINPID=: start-up finished, or a reload ended (either way).
  void ready(std::string_view status);
  // RELOADING=1 with MONOTONIC_USEC=: a SIGHUP reload begins.
  void reloading();
  // STOPPING=1: shutdown begins.
  void stopping(std::string_view status);

  // Sends one datagram without blocking. On failure, reconnects once and retries (systemd may
  // have re-created its socket). The first failure is logged as a warning, later ones at debug.
  std::error_code send(std::string_view message);

 private:
  std::error_code connect_socket();

  std::string target_;  // the $NOTIFY_SOCKET value, "" when inactive
  int fd_ = -1;
  bool warned_ = false;
};

}  // namespace ferry
