// No systemd on Windows: the notifier is always inactive (a Windows service reports its state
// to the service control manager, which ferry does not do yet).
#include "server/systemd_notify.hpp"

namespace ferry {

bool notify_socket_address(std::string_view, sockaddr_un&, socklen_t&) { return false; }

systemd_notifier::systemd_notifier(std::string) {}

systemd_notifier::~systemd_notifier() = default;

systemd_notifier systemd_notifier::from_environment() { return {}; }

std::error_code systemd_notifier::connect_socket() { return std::make_error_code(std::errc::not_supported); }

std::error_code systemd_notifier::send(std::string_view) { return {}; }

void systemd_notifier::ready(std::string_view) {}

void systemd_notifier::reloading() {}

void systemd_notifier::stopping(std::string_view) {}

}  // namespace ferry
