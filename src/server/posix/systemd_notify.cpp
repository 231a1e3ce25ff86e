#include "server/systemd_notify.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "log/logging.hpp"

namespace ferry {

namespace {

// STATUS= is one line of text: control characters would end it or smuggle in more assignments.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

}  // namespace

bool notify_socket_address(std::string_view value, sockaddr_un& out, socklen_t& length) {
  out = sockaddr_un{};
  out.sun_family = AF_UNIX;
  if (value.size() < 2 || value.find('\0') != std::string_view::npos) return false;
  const std::size_t path_offset = offsetof(sockaddr_un, sun_path);
  if (value.front() == '@') {
    // Abstract: every byte of the name counts, so the length is exact and carries no NUL.
    if (value.size() > sizeof out.sun_path) return false;
    std::memcpy(out.sun_path + 1, value.data() + 1, value.size() - 1);
    length = static_cast<socklen_t>(path_offset + value.size());
    return true;
  }
  if (value.front() != '/') return false;
  if (value.size() >= sizeof out.sun_path) return false;  // room for the terminating NUL
  std::memcpy(out.sun_path, value.data(), value.size());
  length = static_cast<socklen_t>(path_offset + value.size() + 1);
  return true;
}

std::string notify_ready_message(std::string_view status, pid_t main_pid) {
  return "READY=1\nSTATUS=" + one_line(status) + "\nMAINPID=" + std::to_string(main_pid) + "\n";
}

std::string notify_reloading_message(std::uint64_t monotonic_usec, std::string_view status) {
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec) + "\nSTATUS=" + one_line(status) + "\n";
}

std::string notify_stopping_message(std::string_view status) {
  return "STOPPING=1\nSTATUS=" + one_line(status) + "\n";
}

std::uint64_t monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

systemd_notifier::systemd_notifier(std::string socket_value) : target_(std::move(socket_value)) {
  if (target_.empty()) return;
  if (const auto ec = connect_socket()) {
    warned_ = true;
    log::warn("NOTIFY_SOCKET={}: {}; systemd will not hear about start-up, reloads or shutdown", target_,
              ec.message());
  } else {
    log::debug("notifying systemd through {}", target_);
  }
}

systemd_notifier::~systemd_notifier() {
  if (fd_ >= 0) ::close(fd_);
}

systemd_notifier systemd_notifier::from_environment() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  return systemd_notifier(value == nullptr ? std::string() : std::string(value));
}

std::error_code systemd_notifier::connect_socket() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  sockaddr_un address{};
  socklen_t length = 0;
  if (!notify_socket_address(target_, address, length)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return {errno, std::generic_category()};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    const std::error_code ec(errno, std::generic_category());
    ::close(fd);
    return ec;
  }
  fd_ = fd;
  return {};
}

std::error_code systemd_notifier::send(std::string_view message) {
  if (!active()) return {};
  std::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 || attempt > 0) {
      ec = connect_socket();
      if (ec) continue;
    }
    const ssize_t sent = ::send(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(message.size())) return {};
    ec = sent < 0 ? std::error_code(errno, std::generic_category()) : std::make_error_code(std::errc::message_size);
    // A full receive queue will not empty by reconnecting; anything else might (a new socket).
    if (ec == std::errc::resource_unavailable_try_again) break;
  }
  const auto first_line = message.substr(0, std::min<std::size_t>(message.find('\n'), 40));
  if (!warned_) {
    warned_ = true;
    log::warn("cannot notify systemd ({}) of {}: {}", target_, first_line, ec.message());
  } else {
    log::debug("cannot notify systemd ({}) of {}: {}", target_, first_line, ec.message());
  }
  return ec;
}

void systemd_notifier::ready(std::string_view status) {
  if (active()) send(notify_ready_message(status, ::getpid()));
}

void systemd_notifier::reloading() {
  if (active()) send(notify_reloading_message(monotonic_usec(), "reloading the configuration"));
}

void systemd_notifier::stopping(std::string_view status) {
  if (active()) send(notify_stopping_message(status));
}

}  // namespace ferry
