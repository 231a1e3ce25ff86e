#include "server/server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "log/logging.hpp"
#include "platform/socket_calls.hpp"
#include "server/change_audit.hpp"
#include "server/worker.hpp"

namespace ferry {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// How an inherited socket that no configured listener claimed is recorded: no host, so that no
// entry of a later configuration is ever taken for it.
const listener_config unclaimed{"", 0};

const char* scheme_of(bool secure) { return secure ? "https://" : "http://"; }

// How the log names a listener's job, after its address.
std::string role_note(const listener_role& role) {
  std::string note;
  if (role.redirect_to_port != 0) {
    note = " (redirects to https)";
  } else if (role.admin) {
    note = " (metrics and health only)";
  }
  if (role.proxy_protocol) note += " (PROXY protocol)";
  return note;
}

}  // namespace

platform::native_socket bind_listener(const std::string& host, std::uint16_t port, std::string* bound_address) {
  return platform::listen_on(host, port, true, bound_address);
}

server::server(std::shared_ptr<const config> cfg, std::vector<inherited_socket> inherited) : cfg_(std::move(cfg)) {
  unsigned count = cfg_->workers;
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  auto first_site = std::make_shared<const site>(cfg_);
  auto access_log = access_log_target::open(cfg_->logging);
  for (unsigned i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>(i, first_site, access_log));
  }
  if (listening_workers() < workers_.size()) {
    std::vector<worker*> all;
    for (auto& w : workers_) all.push_back(w.get());
    workers_.front()->hand_accepts_to(std::move(all));
  }
  // The first socket of each listener resolves port 0 to a real port; every other worker
  // binds its own socket to that same address (SO_REUSEPORT: the kernel spreads connections).
  for (const auto& l : cfg_->listeners) add_listener(l, listener_kind::plain, 0, inherited);
  // Redirects point at the first TLS listener's real port, so those are bound first.
  std::uint16_t https_port = 0;
  for (const auto& l : tls_listeners(*cfg_)) {
    const auto port = add_listener(l, listener_kind::tls, 0, inherited);
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
    const auto port = add_inherited(*it, listener_kind::tls, unclaimed, 0);
    if (https_port == 0) https_port = port;
    it = inherited.erase(it);
  }
  for (const auto& l : redirects) add_listener(l, listener_kind::redirect, https_port, inherited);
  for (const auto& l : admin_listeners(*cfg_)) add_listener(l, listener_kind::admin, 0, inherited);
  for (const auto& s : inherited) {
    log::info("socket activation: fd {} ({}{}) matches no configured listener; serving plaintext HTTP on it", s.fd,
              s.description, s.name.empty() ? "" : ", \"" + s.name + "\"");
    add_inherited(s, listener_kind::plain, unclaimed, 0);
  }
  refresh_addresses();
}

std::uint16_t server::add_listener(const listener_config& l, listener_kind kind, std::uint16_t redirect_to,
                                   std::vector<inherited_socket>& inherited) {
  const bool secure = kind == listener_kind::tls;
  if (auto taken = take_matching_socket(inherited, l)) {
    const bool ipv6 = l.host.find(':') != std::string::npos;
    log::info("socket activation: fd {} ({}) is the configured listener {}{}{}{}:{}", taken->fd, taken->description,
              scheme_of(secure), ipv6 ? "[" : "", l.host, ipv6 ? "]" : "", l.port);
    return add_inherited(*taken, kind, l, redirect_to);
  }
  auto bound = bind_for_workers(l);
  const auto& entry = record(kind, l, redirect_to, bound.real_port, std::move(bound.address));
  for (std::size_t i = 0; i < bound.fds.size(); ++i) {
    workers_[i]->add_listener(bound.fds[i], role_of(kind, redirect_to, l.proxy_protocol), entry.id);
  }
  return entry.real_port;
}

server::bound_sockets server::bind_for_workers(const listener_config& l) const {
  bound_sockets bound;
  try {
    bound.fds.push_back(bind_listener(l.host, l.port, &bound.address));
    bound.real_port = static_cast<std::uint16_t>(std::stoi(bound.address.substr(bound.address.rfind(':') + 1)));
    while (bound.fds.size() < listening_workers()) bound.fds.push_back(bind_listener(l.host, bound.real_port, nullptr));
  } catch (...) {
    for (const auto fd : bound.fds) platform::close_socket(fd);
    throw;
  }
  return bound;
}

server::listener_entry& server::record(listener_kind kind, const listener_config& l, std::uint16_t redirect_to,
                                       std::uint16_t real_port, std::string address) {
  listener_entry entry{kind,
                       l.host,
                       l.port,
                       redirect_to,
                       next_listener_id_++,
                       real_port,
                       scheme_of(kind == listener_kind::tls) + address +
                           role_note(role_of(kind, redirect_to, l.proxy_protocol)),
                       false,
                       l.proxy_protocol};
  listeners_.push_back(std::move(entry));
  return listeners_.back();
}

std::uint16_t server::add_inherited(const inherited_socket& s, listener_kind kind, const listener_config& l,
                                    std::uint16_t redirect_to) {
  const bool secure = kind == listener_kind::tls;
  const listener_role role = role_of(kind, redirect_to, l.proxy_protocol);
  // Duplicates first: once a worker owns the original it may close it (on a throw, say).
  std::vector<platform::native_socket> fds{s.fd};
  for (std::size_t i = 1; i < listening_workers(); ++i) {
    const auto copy = platform::duplicate_socket(s.fd);
    if (copy == platform::no_socket) fail("dup inherited socket " + s.description);
    fds.push_back(copy);
  }
  const std::uint32_t id = next_listener_id_++;
  for (std::size_t i = 0; i < fds.size(); ++i) workers_[i]->add_listener(fds[i], role, id);
  listeners_.push_back({kind, l.host, l.port, redirect_to, id, address_port(s.address),
                        scheme_of(secure) + s.description + role_note(role) + " (inherited fd " +
                            std::to_string(s.fd) + ")",
                        true, l.proxy_protocol});
  return address_port(s.address);
}

void server::refresh_addresses() {
  addresses_.clear();
  for (const auto& l : listeners_) addresses_.push_back(l.address);
}

// What a reload changes in the listeners. Everything new is bound here, before the workers or
// the running listeners are touched, so a port that cannot be bound fails the whole reload.
server::listener_changes server::prepare_listener_changes(const config& next) {
  const auto find = [this](listener_kind kind, const listener_config& l) -> const listener_entry* {
    for (const auto& e : listeners_) {
      // A listener that starts or stops expecting PROXY headers is a new one: its connections
      // are read differently from the first byte.
      if (e.kind == kind && e.host == l.host && e.port == l.port && e.proxy_protocol == l.proxy_protocol) return &e;
    }
    return nullptr;
  };
  listener_changes changes;
  try {
    // Returns the listener's real port, kept or new.
    const auto plan = [&](listener_kind kind, const listener_config& l, std::uint16_t redirect_to) {
      const auto* existing = find(kind, l);
      if (existing != nullptr && existing->redirect_to == redirect_to) {
        changes.kept.push_back(existing->id);
        return existing->real_port;
      }
      changes.added.push_back({kind, l, redirect_to, bind_for_workers(l)});
      return changes.added.back().sockets.real_port;
    };
    for (const auto& l : next.listeners) plan(listener_kind::plain, l, 0);
    std::uint16_t https_port = 0;
    for (const auto& l : tls_listeners(next)) {
      const auto port = plan(listener_kind::tls, l, 0);
      if (https_port == 0) https_port = port;
    }
    // Redirects point at the first TLS port: when that moved, they are bound anew.
    for (const auto& l : redirect_listeners(next)) plan(listener_kind::redirect, l, https_port);
    for (const auto& l : admin_listeners(next)) plan(listener_kind::admin, l, 0);
  } catch (...) {
    for (const auto& a : changes.added) {
      for (const auto fd : a.sockets.fds) platform::close_socket(fd);
    }
    throw;
  }
  return changes;
}

void server::apply_listener_changes(listener_changes& changes) {
  std::vector<listener_entry> staying;
  for (auto& e : listeners_) {
    const bool kept = e.inherited || std::find(changes.kept.begin(), changes.kept.end(), e.id) != changes.kept.end();
    if (kept) {
      staying.push_back(std::move(e));
      continue;
    }
    for (auto& w : workers_) w->close_listener(e.id);
    log::info("stopped listening on {}", e.address);
  }
  listeners_ = std::move(staying);
  for (auto& a : changes.added) {
    const auto& entry = record(a.kind, a.config, a.redirect_to, a.sockets.real_port, std::move(a.sockets.address));
    for (std::size_t i = 0; i < a.sockets.fds.size(); ++i) {
      workers_[i]->open_listener(a.sockets.fds[i], role_of(a.kind, a.redirect_to, a.config.proxy_protocol),
                                 entry.id);
    }
    log::info("listening on {}", entry.address);
  }
  changes.added.clear();  // the workers own the sockets now
  refresh_addresses();
}

// The addresses of the TLS listeners a configuration asks for.
std::vector<listener_config> server::tls_listeners(const config& cfg) {
  return cfg.extensions.tls ? cfg.extensions.tls->listeners() : std::vector<listener_config>{};
}

std::vector<listener_config> server::admin_listeners(const config& cfg) {
  return cfg.extensions.metrics ? cfg.extensions.metrics->listeners() : std::vector<listener_config>{};
}

listener_role server::role_of(listener_kind kind, std::uint16_t redirect_to, bool proxy_protocol) {
  return {kind == listener_kind::tls, redirect_to, kind == listener_kind::admin, proxy_protocol};
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
  auto changes = prepare_listener_changes(*next);  // throws before anything changed
  if (next->workers != cfg_->workers) {
    log::warn("reload: a change of workers takes effect on restart; keeping the current ones");
  }
  // The process may no longer be root: a new identity needs a new process.
  if (next->user != cfg_->user || next->group != cfg_->group) {
    log::warn("reload: user and group changes take effect on restart; keeping the current identity");
  }
  // The new site first: a new listener's first connection must find its configuration (a
  // worker runs what was posted to it in order).
  for (auto& w : workers_) w->update(next_site, access_log);
  apply_listener_changes(changes);
  cfg_ = std::move(next);
}

std::vector<std::string> server::reload_changed_files() {
  std::vector<std::string> problems;
  if (cfg_->extensions.tls) {
    const auto before = presented_certificates(*cfg_);
    for (auto& p : cfg_->extensions.tls->reload_changed_certificates()) problems.push_back("certificate reload: " + p);
    audit_certificate_changes(*cfg_, before, presented_certificates(*cfg_));
  }
  if (cfg_->extensions.access) {
    for (auto& p : cfg_->extensions.access->reload_changed_files()) problems.push_back("auth file reload: " + p);
  }
  return problems;
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
