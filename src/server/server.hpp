// The server: binds the listeners, starts the workers, and applies reloads and shutdown.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "log/access_log.hpp"
#include "server/listener_role.hpp"
#include "server/site.hpp"
#include "server/socket_activation.hpp"

namespace ferry {

class worker;

class server {
 public:
  // Binds every listener (throws std::system_error when one cannot be bound) and builds the
  // workers; nothing is served until run(). A configured listener whose address an `inherited`
  // socket (socket activation) is bound to uses that socket instead of binding; inherited
  // sockets matching no listener are served as well: as TLS when named "https" (throws
  // std::runtime_error when [tls] is not configured), else as plaintext HTTP.
  explicit server(std::shared_ptr<const config> cfg, std::vector<inherited_socket> inherited = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Starts the worker threads and logs each listener's real address.
  void start();
  // Applies a new, validated configuration: listeners it adds are bound first (any failure
  // throws and changes nothing), then opened, and listeners it drops stop accepting (their
  // connections carry on). Worker, user and group changes need a restart (logged as a
  // warning); inherited sockets stay as they are.
  void reload(std::shared_ptr<const config> next);
  // Reloads TLS certificates and auth key files (keys, JWKS, htpasswd) whose files changed;
  // returns problems (the previous contents keep serving).
  std::vector<std::string> reload_changed_files();
  // Graceful stop: stop accepting, finish in-flight responses within the grace period.
  void drain();
  // Waits for the workers to finish.
  void join();

  // "http://127.0.0.1:8080", … as logged by start(); and the number of workers.
  const std::vector<std::string>& addresses() const { return addresses_; }
  std::size_t worker_count() const { return workers_.size(); }

 private:
  enum class listener_kind : std::uint8_t { plain, tls, redirect, admin };
  // A listener as the configuration names it (port 0 stays 0, so it is the same listener after
  // a reload; an inherited socket no entry claimed has no host), with the sockets' id in the
  // workers and its real address.
  struct listener_entry {
    listener_kind kind;
    std::string host;
    std::uint16_t port = 0;
    std::uint16_t redirect_to = 0;
    std::uint32_t id = 0;
    std::uint16_t real_port = 0;
    std::string address;     // as logged: "http://127.0.0.1:8080"
    bool inherited = false;  // from socket activation: open for the life of the process
    bool proxy_protocol = false;
  };
  // One socket per worker bound to `l` (the first resolves port 0), not yet given to them.
  struct bound_sockets {
    std::vector<platform::native_socket> fds;  // one per listening worker
    std::uint16_t real_port = 0;
    std::string address;
  };

  // Uses the socket in `inherited` bound to `l`'s address, if any, else binds `l` once per
  // worker; returns the real port (port 0 resolved).
  std::uint16_t add_listener(const listener_config& l, listener_kind kind, std::uint16_t redirect_to,
                             std::vector<inherited_socket>& inherited);
  // Gives every worker the inherited socket (a duplicate each after the first: one shared
  // accept queue); returns its port.
  std::uint16_t add_inherited(const inherited_socket& s, listener_kind kind, const listener_config& l,
                              std::uint16_t redirect_to);
  bound_sockets bind_for_workers(const listener_config& l) const;
  // How many workers listen on each address: all of them where the kernel balances one port
  // over several sockets (platform::balanced_port_sharing), else the first, which hands the
  // connections to all of them in turn (worker::hand_accepts_to).
  std::size_t listening_workers() const { return platform::balanced_port_sharing ? workers_.size() : 1; }
  listener_entry& record(listener_kind kind, const listener_config& l, std::uint16_t redirect_to,
                         std::uint16_t real_port, std::string address);
  struct listener_addition {
    listener_kind kind;
    listener_config config;
    std::uint16_t redirect_to = 0;
    bound_sockets sockets;
  };
  struct listener_changes {
    std::vector<std::uint32_t> kept;  // ids
    std::vector<listener_addition> added;
  };
  listener_changes prepare_listener_changes(const config& next);
  void apply_listener_changes(listener_changes& changes);
  void refresh_addresses();
  static std::vector<listener_config> tls_listeners(const config& cfg);
  static std::vector<listener_config> redirect_listeners(const config& cfg);
  static std::vector<listener_config> admin_listeners(const config& cfg);
  static listener_role role_of(listener_kind kind, std::uint16_t redirect_to, bool proxy_protocol);

  std::shared_ptr<const config> cfg_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::thread> threads_;
  std::vector<listener_entry> listeners_;
  std::uint32_t next_listener_id_ = 1;
  std::vector<std::string> addresses_;
};

// Binds HOST:PORT with SO_REUSEPORT and listens (platform::listen_on); returns the fd. Throws
// std::system_error.
platform::native_socket bind_listener(const std::string& host, std::uint16_t port, std::string* bound_address);

}  // namespace ferry
