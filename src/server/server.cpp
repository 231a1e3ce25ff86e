#include "server/server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "log/logging.hpp"
#include "server/worker.hpp"

namespace ferry {

namespace {

constexpr int listen_backlog = 4096;

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

int bind_listener(const std::string& host, std::uint16_t port, std::string* bound_address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "cannot resolve listen address " + host + ": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (found->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("cannot bind " + host + ":" + service);
  }
  if (::listen(fd, listen_backlog) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("listen " + host + ":" + service);
  }
  if (bound_address != nullptr) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *bound_address = describe_address(addr);
  }
  return fd;
}

server::server(std::shared_ptr<const config> cfg, std::vector<inherited_socket> inherited) : cfg_(std::move(cfg)) {
  unsigned count = cfg_->workers;
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  auto first_site = std::make_shared<const site>(cfg_);
  auto access_log = access_log_target::open(cfg_->logging);
  for (unsigned i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>(i, first_site, access_log));
  }
  // The first socket of each listener resolves port 0 to a real port; every other worker
  // binds its own socket to that same address (SO_REUSEPORT: the kernel spreads connections).
  for (const auto& l : cfg_->listeners) add_listener(l, "http://", false, 0, inherited);
  // Redirects point at the first TLS listener's real port, so those are bound first.
  std::uint16_t https_port = 0;
  for (const auto& l : tls_listeners(*cfg_)) {
    const auto port = add_listener(l, "https://", true, 0, inherited);
    if (https_port == 0) https_port = port;
  }
  // Inherited sockets no listener claimed: the unit's FileDescriptorName says which are TLS.
  // (Those a redirect listener will claim below are left to it.)
  const auto redirects = redirect_listeners(*cfg_);
  const auto claimed_by_redirect = [&redirects](const inherited_socket& s) {
    return std::any_of(redirects.begin(), redirects.end(), [&s](const listener_config& l) {
      const auto address = listener_address(l);
      return address && same_address(*address, s.address);
    });
  };
  for (auto it = inherited.begin(); it != inherited.end();) {
    if (it->name != "https" || claimed_by_redirect(*it)) {
      ++it;
      continue;
    }
    if (!cfg_->extensions.tls) {
      throw std::runtime_error("socket activation: inherited socket \"https\" (fd " + std::to_string(it->fd) + ", " +
                               it->description + ") but no [tls] is configured");
    }
    log::info("socket activation: fd {} ({}, \"https\") matches no configured listener; serving TLS on it", it->fd,
              it->description);
    const auto port = add_inherited(*it, "https://", true, 0);
    if (https_port == 0) https_port = port;
    it = inherited.erase(it);
  }
  for (const auto& l : redirects) add_listener(l, "http://", false, https_port, inherited);
  for (const auto& s : inherited) {
    log::info("socket activation: fd {} ({}{}) matches no configured listener; serving plaintext HTTP on it", s.fd,
              s.description, s.name.empty() ? "" : ", \"" + s.name + "\"");
    add_inherited(s, "http://", false, 0);
  }
}

std::uint16_t server::add_listener(const listener_config& l, const char* scheme, bool secure,
                                   std::uint16_t redirect_to, std::vector<inherited_socket>& inherited) {
  if (auto taken = take_matching_socket(inherited, l)) {
    const bool ipv6 = l.host.find(':') != std::string::npos;
    log::info("socket activation: fd {} ({}) is the configured listener {}{}{}{}:{}", taken->fd, taken->description,
              scheme, ipv6 ? "[" : "", l.host, ipv6 ? "]" : "", l.port);
    return add_inherited(*taken, scheme, secure, redirect_to);
  }
  const listener_role role{secure, redirect_to};
  std::string address;
  const int first = bind_listener(l.host, l.port, &address);
  workers_[0]->add_listener(first, role);
  const auto colon = address.rfind(':');
  const auto real_port = static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    workers_[i]->add_listener(bind_listener(l.host, real_port, nullptr), role);
  }
  addresses_.push_back(scheme + address + (redirect_to != 0 ? " (redirects to https)" : ""));
  return real_port;
}

std::uint16_t server::add_inherited(const inherited_socket& s, const char* scheme, bool secure,
                                    std::uint16_t redirect_to) {
  const listener_role role{secure, redirect_to};
  // Duplicates first: once a worker owns the original it may close it (on a throw, say).
  std::vector<int> fds{s.fd};
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    const int copy = ::fcntl(s.fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) fail("dup inherited socket " + s.description);
    fds.push_back(copy);
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) workers_[i]->add_listener(fds[i], role);
  addresses_.push_back(scheme + s.description + (redirect_to != 0 ? " (redirects to https)" : "") +
                       " (inherited fd " + std::to_string(s.fd) + ")");
  return address_port(s.address);
}

// The addresses of the TLS listeners a configuration asks for.
std::vector<listener_config> server::tls_listeners(const config& cfg) {
  return cfg.extensions.tls ? cfg.extensions.tls->listeners() : std::vector<listener_config>{};
}

std::vector<listener_config> server::redirect_listeners(const config& cfg) {
  return cfg.extensions.tls ? cfg.extensions.tls->redirect_listeners() : std::vector<listener_config>{};
}

server::~server() {
  drain();
  join();
}

void server::start() {
  for (auto& w : workers_) {
    threads_.emplace_back([&w] { w->run(); });
  }
  for (const auto& a : addresses_) log::info("listening on {}", a);
  log::info("serving {} with {} worker(s)", cfg_->root, workers_.size());
}

void server::reload(std::shared_ptr<const config> next) {
  auto next_site = std::make_shared<const site>(next);
  auto access_log = access_log_target::open(next->logging);
  const auto same = [](const std::vector<listener_config>& a, const std::vector<listener_config>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
      return x.host == y.host && x.port == y.port;
    });
  };
  const bool listeners_changed =
      !same(next->listeners, cfg_->listeners) || !same(tls_listeners(*next), tls_listeners(*cfg_)) ||
      !same(redirect_listeners(*next), redirect_listeners(*cfg_));
  if (listeners_changed || next->workers != cfg_->workers) {
    log::warn("reload: listen and workers changes take effect on restart; keeping the current ones");
  }
  // The process may no longer be root: a new identity needs a new process.
  if (next->user != cfg_->user || next->group != cfg_->group) {
    log::warn("reload: user and group changes take effect on restart; keeping the current identity");
  }
  for (auto& w : workers_) w->update(next_site, access_log);
  cfg_ = std::move(next);
}

std::vector<std::string> server::reload_changed_certificates() {
  if (!cfg_->extensions.tls) return {};
  return cfg_->extensions.tls->reload_changed_certificates();
}

void server::drain() {
  for (auto& w : workers_) w->drain(cfg_->timeouts.shutdown_grace);
}

void server::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace ferry
