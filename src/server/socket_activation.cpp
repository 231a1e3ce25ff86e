#include "server/socket_activation.hpp"

#include <charconv>
#include <cstring>
#include <memory>

namespace ferry {

namespace {

// A whole decimal number: digits only (no sign, no spaces), no overflow.
template <typename T>
std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto colon = text.find(':');
    out.emplace_back(text.substr(0, colon));
    if (colon == std::string_view::npos) return out;
    text.remove_prefix(colon + 1);
  }
}

}  // namespace

listen_fds_environment parse_listen_fds(const char* listen_pid, const char* listen_fds, const char* listen_fdnames,
                                        pid_t self) {
  listen_fds_environment env;
  if (listen_pid == nullptr) {
    if (listen_fds != nullptr) env.ignored_because = "LISTEN_FDS is set without LISTEN_PID";
    return env;
  }
  const auto pid = parse_decimal<long long>(listen_pid);
  if (!pid || *pid <= 0) {
    env.error = "LISTEN_PID=" + std::string(listen_pid).substr(0, 32) + " is not a process id";
    return env;
  }
  if (*pid != static_cast<long long>(self)) {
    env.ignored_because = "LISTEN_PID=" + std::to_string(*pid) + " names another process (this is " +
                          std::to_string(self) + ")";
    return env;
  }
  if (listen_fds == nullptr) return env;
  const auto count = parse_decimal<unsigned long long>(listen_fds);
  if (!count) {
    env.error = "LISTEN_FDS=" + std::string(listen_fds).substr(0, 32) + " is not a number";
    return env;
  }
  if (*count > max_listen_fds) {
    env.error = "LISTEN_FDS=" + std::to_string(*count) + " is more than " + std::to_string(max_listen_fds) +
                " sockets";
    return env;
  }
  env.count = static_cast<std::size_t>(*count);
  if (env.count == 0) return env;
  if (listen_fdnames == nullptr) {
    env.names.assign(env.count, std::string());
    return env;
  }
  env.names = split_names(listen_fdnames);
  if (env.names.size() != env.count) {
    env.error = "LISTEN_FDNAMES has " + std::to_string(env.names.size()) + " name(s) for LISTEN_FDS=" +
                std::to_string(env.count);
    env.count = 0;
    env.names.clear();
  }
  return env;
}

std::uint16_t address_port(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  return 0;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b);
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return false;
}

std::optional<sockaddr_storage> listener_address(const listener_config& listener) {
  if (listener.port == 0) return std::nullopt;
  // The same resolution as bind_listener, so a match means "what binding would have produced".
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(listener.port);
  if (::getaddrinfo(listener.host.c_str(), service.c_str(), &hints, &found) != 0) return std::nullopt;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  if (found->ai_addrlen > sizeof(sockaddr_storage)) return std::nullopt;
  sockaddr_storage out{};
  std::memcpy(&out, found->ai_addr, found->ai_addrlen);
  return out;
}

std::optional<inherited_socket> take_matching_socket(std::vector<inherited_socket>& pool,
                                                     const listener_config& listener) {
  const auto wanted = listener_address(listener);
  if (!wanted) return std::nullopt;
  for (auto it = pool.begin(); it != pool.end(); ++it) {
    if (same_address(it->address, *wanted)) {
      inherited_socket out = std::move(*it);
      pool.erase(it);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace ferry
