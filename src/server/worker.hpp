// One worker: a thread with its own io_context, its own SO_REUSEPORT listening sockets and
// the connections they accept. Nothing on the request path is shared with other workers.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/http_date.hpp"
#include "http/request_identity.hpp"
#include "log/access_log.hpp"
#include "server/admission_control.hpp"
#include "server/block_pool.hpp"
#include "server/buffer_pool.hpp"
#include "server/client_address.hpp"
#include "server/cpu_pressure.hpp"
#include "server/exchange_pool.hpp"
#include "server/handler_memory.hpp"
#include "server/idle_park.hpp"
#include "server/listener_role.hpp"
#include "server/next_turn_queue.hpp"
#include "server/request_handler.hpp"
#include "server/site.hpp"
#include "server/tcp_socket.hpp"
#include "server/tenant_admission.hpp"
#include "server/worker_stats.hpp"

namespace ferry {

class connection;
class http1_connection;
class secure_transport;

class worker {
 public:
  using clock = std::chrono::steady_clock;

  worker(unsigned index, std::shared_ptr<const site> initial_site,
         std::shared_ptr<access_log_target> access_log);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  // Takes ownership of a bound, listening socket (native handle). Before run() only; `id`
  // names the listener for close_listener.
  void add_listener(platform::native_socket fd, listener_role role = {}, std::uint32_t id = 0);
  // Thread-safe, while running (a reload): start accepting on one more socket, or stop
  // accepting on one (connections it accepted carry on).
  void open_listener(platform::native_socket fd, listener_role role, std::uint32_t id);
  void close_listener(std::uint32_t id);
  // Where one socket listens for all workers (platform::balanced_port_sharing is false): this
  // worker accepts and hands the connections to `workers` in turn. Before run() only.
  void hand_accepts_to(std::vector<worker*> workers) { accept_for_ = std::move(workers); }
  // Runs the event loop until the worker has stopped. Called on the worker's thread.
  void run();

  // Thread-safe: applied on the worker's thread.
  void update(std::shared_ptr<const site> next_site, std::shared_ptr<access_log_target> access_log);
  // Thread-safe: stop accepting, close idle connections, let in-flight responses finish, and
  // close whatever is left after `grace`.
  void drain(std::chrono::milliseconds grace);

  // For connections (worker thread only).
  const std::shared_ptr<const site>& current_site() const { return site_; }
  std::string_view date() { return dates_.now(); }
  request_handler& handler() { return handler_; }
  access_log_buffer& access_log() { return access_log_; }
  buffer_pool& buffers() { return buffers_; }
  exchange_pool& exchanges() { return exchanges_; }
  next_turn_queue<http1_connection>& next_turn() { return next_turn_; }
  response_pool& responses() { return responses_; }
  // Storage for HTTP/2 connections' per-request stream objects.
  block_pool& stream_blocks() { return stream_blocks_; }
  std::string& file_chunk() { return file_chunk_; }
  std::string& encoded_chunk() { return encoded_chunk_; }
  bool draining() const { return draining_; }
  admission_control& admission() { return admission_; }
  // This worker's CPU pressure, judged on each tick; requests read its level and count into it.
  cpu_pressure& pressure() { return pressure_; }
  tenant_admission& tenants() { return tenants_; }
  id_generator& ids() { return ids_; }
  // The auth module's checker for the current configuration, or null (no [auth]).
  access_checker* access() { return access_.get(); }
  // The rate_limit module's checker for the current configuration, or null (no limits).
  limit_checker* limits() { return limits_.get(); }
  // [client_address] of the current configuration: who each request is from.
  const client_address_resolver& client_addresses() const { return client_addresses_; }
  worker_stats& stats() { return stats_; }
  // Copies the gauges other threads cannot read directly (admission, file cache) into stats().
  void publish_stats();
  // True while the worker is being destroyed: connections torn down with the io_context must
  // not hand their admission slots on.
  bool tearing_down() const { return tearing_down_; }
  void attach(connection* c);
  void detach(connection* c);
  // Takes an idle plaintext HTTP/1 connection's socket (see idle_park); false when it cannot,
  // and the socket is still the caller's.
  bool park(const parked_connection& c);
  // Connections attached and parked: what max_connections and the open-connections gauge count.
  std::size_t open_connections() const { return connections_.size() + park_.size(); }
  asio::io_context& io() { return io_; }

 private:
  void accept_next(std::size_t listener);
  bool accept_failed(const asio::error_code& ec);
  // A connection accepted for this worker (by itself or by the one handing accepts out).
  void take_accepted(tcp_socket socket, listener_role role);
  void on_tick();
  void schedule_tick();
  void record_loop_delay(asio::steady_timer& timer, clock::time_point now);
  void schedule_delay_probe();
  void close_all();
  std::shared_ptr<http1_connection> make_connection(tcp_socket socket, secure_transport* tls,
                                                    std::uint16_t redirect_to_port, bool admin, bool proxy_protocol);
  void unpark(const parked_connection& c);
  void parked_closed(const parked_connection& c);

  unsigned index_;
  worker_stats& stats_;
  id_generator ids_;
  // The pools come before io_: pending handlers destroyed with io_ can still return buffers.
  buffer_pool buffers_;
  exchange_pool exchanges_;
  response_pool responses_;
  block_pool connection_blocks_;
  block_pool stream_blocks_;
  next_turn_queue<http1_connection> next_turn_;  // emptied by ~worker, before io_ goes
  admission_control admission_;
  cpu_pressure pressure_;
  tenant_admission tenants_{&stats_};
  bool tearing_down_ = false;
  // Only this worker's thread runs io_ and starts operations on its sockets (an accept for
  // another worker registers the socket there, then hands it over with a post): the reactor
  // need not lock a socket's operations, two lock/unlock pairs per request. Posts from other
  // threads (reloads, listeners, stop) and registrations stay locked.
  asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  // Per listener, by index; a closed listener leaves a null acceptor (indices stay stable for
  // the accept handlers).
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<listener_role> roles_;
  std::vector<std::uint32_t> listener_ids_;
  std::vector<worker*> accept_for_;  // empty: accepts only for itself
  std::size_t next_accept_for_ = 0;
  // The tick's and the delay probe's pending waits live here, not in Asio's per-thread cache,
  // which the connections' operations would otherwise take their blocks from (and allocate).
  handler_memory tick_memory_;
  handler_memory probe_memory_;
  asio::steady_timer tick_{io_};
  // While requests are in flight, a 10 ms timer samples how late the loop runs it; the tick
  // feeds the mean of the samples to the adaptive admission limit.
  asio::steady_timer delay_probe_{io_};
  bool probing_ = false;
  std::chrono::microseconds delay_sum_{0};
  unsigned delay_samples_ = 0;
  asio::steady_timer accept_backoff_{io_};
  std::shared_ptr<const site> site_;
  access_log_buffer access_log_;
  file_caches files_;
  request_handler handler_{files_};
  std::unique_ptr<access_checker> access_;  // made from site_'s configuration
  // Made from site_'s configuration; after io_, so a Redis client in it goes before the loop.
  std::unique_ptr<limit_checker> limits_;
  // Checkers replaced by a reload, kept (at most a little longer than any call timeout) until
  // the decisions they still owe have come: dropping one at once would send those to on_error.
  std::vector<std::pair<std::unique_ptr<limit_checker>, clock::time_point>> retired_limits_;
  client_address_resolver client_addresses_;  // made from site_'s configuration
  date_cache dates_;
  std::string file_chunk_;     // reused for pread before on-the-fly compression
  std::string encoded_chunk_;  // reused for the encoder's output
  std::vector<connection*> connections_;
  idle_park park_{io_, [this](const parked_connection& c) { unpark(c); },
                  [this](const parked_connection& c) { parked_closed(c); }};
  bool draining_ = false;
  bool accept_paused_ = false;
  clock::time_point drain_deadline_{};
  clock::time_point last_flush_{};
};

}  // namespace ferry
