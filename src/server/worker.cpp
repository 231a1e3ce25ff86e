#include "server/worker.hpp"

#include "log/logging.hpp"
#include "platform/socket_calls.hpp"
#include "server/http1_connection.hpp"

namespace ferry {

namespace {

// How often deadlines are checked and the access log flushed. Deadlines are therefore honoured
// to within this much; a tick costs a pass over the worker's connections.
constexpr std::chrono::milliseconds tick_interval{100};
constexpr std::chrono::milliseconds delay_probe_interval{10};
constexpr std::chrono::milliseconds flush_interval{500};
// Longer than any rate-limit store's call timeout ([rate_limit.redis] timeout_ms, at most 10 s).
constexpr std::chrono::milliseconds retired_limits_grace{11'000};
constexpr std::chrono::milliseconds accept_backoff{100};
// Files up to this size are kept in memory by the cache: at most entries × this per worker.
constexpr std::size_t open_file_cache_in_memory = 8 * 1024;
constexpr std::string_view over_capacity_response =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 24\r\nRetry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable\n";

}  // namespace

worker::worker(unsigned index, std::shared_ptr<const site> initial_site,
               std::shared_ptr<access_log_target> access_log)
    : index_(index),
      stats_(stats_registry::process().add_worker()),
      admission_(initial_site->cfg->admission),
      site_(std::move(initial_site)),
      files_(open_file_cache_in_memory) {
  access_log_.set_target(std::move(access_log));
  if (const auto& access = site_->cfg->extensions.access) access_ = access->make_checker();
  if (const auto& limits = site_->cfg->extensions.limits) limits_ = limits->make_checker(io_);
  client_addresses_ = client_address_resolver(site_->cfg->client_address);
  tenants_.configure(*site_);
}

worker::~worker() {
  tearing_down_ = true;
  next_turn_.clear();
  access_log_.flush();
  stats_registry::process().remove_worker(stats_);
}

void worker::publish_stats() {
  stats_.requests_inflight.set(admission_.inflight());
  stats_.requests_queued.set(admission_.queued());
  stats_.admission_limit.set(admission_.limit());
  stats_.admission_rejected.set(admission_.rejected());
  stats_.file_cache_hits.set(files_.stats().hits);
  stats_.file_cache_misses.set(files_.stats().misses);
  stats_.cpu_pressure.set(static_cast<std::uint64_t>(pressure_.level()));
  stats_.compression_lowered.set(pressure_.lowered());
  stats_.compression_skipped.set(pressure_.skipped());
}

void worker::add_listener(platform::native_socket fd, listener_role role, std::uint32_t id) {
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
  asio::error_code ec;
  sockaddr_storage addr{};
  platform::local_address(fd, addr);
  acceptor->assign(addr.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd, ec);
  if (ec) throw std::system_error(ec, "assign listener");
  acceptor->non_blocking(true, ec);
  acceptors_.push_back(std::move(acceptor));
  roles_.push_back(role);
  listener_ids_.push_back(id);
}

void worker::open_listener(platform::native_socket fd, listener_role role, std::uint32_t id) {
  asio::post(io_, [this, fd, role, id] {
    if (draining_) {
      platform::close_socket(fd);
      return;
    }
    try {
      add_listener(fd, role, id);
    } catch (const std::exception& e) {
      log::error("worker {}: cannot use a new listener: {}", index_, e.what());
      platform::close_socket(fd);
      return;
    }
    accept_next(acceptors_.size() - 1);
  });
}

void worker::close_listener(std::uint32_t id) {
  asio::post(io_, [this, id] {
    for (std::size_t i = 0; i < acceptors_.size(); ++i) {
      if (listener_ids_[i] != id || !acceptors_[i]) continue;
      asio::error_code ignored;
      acceptors_[i]->close(ignored);  // the pending accept completes with operation_aborted
      acceptors_[i].reset();
    }
  });
}

void worker::run() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) accept_next(i);
  schedule_tick();
  // The probe runs once now as well: Asio's timer queue grows the first time two timers wait
  // at once (tick and probe, under load), and here that growth is not a busy worker's.
  schedule_delay_probe();
  io_.run();
  access_log_.flush();
}

void worker::accept_next(std::size_t listener) {
  if (draining_ || accept_paused_ || !acceptors_[listener]) return;
  // Handing accepts out: the socket is made for the next worker's loop, which takes it over.
  worker* target = accept_for_.empty() ? this : accept_for_[next_accept_for_++ % accept_for_.size()];
  acceptors_[listener]->async_accept(
      target->io_, [this, listener, target](const asio::error_code& ec, tcp_socket socket) {
        if (ec == asio::error::operation_aborted || draining_) return;
        if (ec) {
          if (!accept_failed(ec)) accept_next(listener);
          return;
        }
        if (target == this) {
          take_accepted(std::move(socket), roles_[listener]);
        } else {
          asio::post(target->io_, [target, role = roles_[listener], socket = std::move(socket)]() mutable {
            target->take_accepted(std::move(socket), role);
          });
        }
        accept_next(listener);
      });
}

// True when accepting pauses: out of descriptors, accepting again at once would spin. It never
// stops for good.
bool worker::accept_failed(const asio::error_code& ec) {
  if (ec != asio::error::no_descriptors && ec.value() != ENFILE && ec != asio::error::no_buffer_space &&
      ec != asio::error::no_memory) {
    return false;
  }
  log::warn("worker {}: accept: {}; pausing accepts for {} ms", index_, ec.message(), accept_backoff.count());
  accept_paused_ = true;
  accept_backoff_.expires_after(accept_backoff);
  accept_backoff_.async_wait([this](const asio::error_code& wait_ec) {
    accept_paused_ = false;
    if (wait_ec) return;
    for (std::size_t i = 0; i < acceptors_.size(); ++i) accept_next(i);
  });
  return true;
}

void worker::take_accepted(tcp_socket socket, listener_role role) {
  asio::error_code ignored;
  if (draining_) {
    socket.close(ignored);
    return;
  }
  stats_.connections_accepted.add(1);
  if (open_connections() >= site_->cfg->limits.max_connections) {
    stats_.connections_refused.add(1);
    // Over the cap: a clean refusal the client can understand, then close.
    socket.non_blocking(true, ignored);
    (void)platform::send_bytes(socket.native_handle(), over_capacity_response.data(),
                               over_capacity_response.size());
    socket.close(ignored);
  } else if (!role.secure) {
    make_connection(std::move(socket), nullptr, role.redirect_to_port, role.admin, role.proxy_protocol)->start();
  } else if (auto* tls = site_->cfg->extensions.tls.get()) {
    make_connection(std::move(socket), tls, 0, false, role.proxy_protocol)->start();
  }  // else: a reload removed [tls]; its listeners stay until restart but serve nothing
}

void worker::attach(connection* c) {
  c->slot = connections_.size();
  connections_.push_back(c);
  stats_.connections_open.set(open_connections());
}

void worker::detach(connection* c) {
  const std::size_t slot = c->slot;
  if (slot >= connections_.size() || connections_[slot] != c) return;
  connections_[slot] = connections_.back();
  connections_[slot]->slot = slot;
  connections_.pop_back();
  stats_.connections_open.set(open_connections());
}

bool worker::park(const parked_connection& c) {
  if (draining_ || !park_.park(c)) return false;
  stats_.connections_open.set(open_connections());
  return true;
}

// The client of a parked connection sent something: a new connection object takes the socket
// over where the old one left it, under the current configuration.
void worker::unpark(const parked_connection& c) {
  tcp_socket socket(io_);
  asio::error_code ec;
  socket.assign(c.socket_v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), c.fd, ec);
  if (ec) {
    log::warn("worker {}: cannot resume an idle connection: {}", index_, ec.message());
    platform::close_socket(c.fd);
    parked_closed(c);
    return;
  }
  make_connection(std::move(socket), nullptr, c.redirect_to_port, false, false)->resume(c);
}

std::shared_ptr<http1_connection> worker::make_connection(tcp_socket socket, secure_transport* tls,
                                                          std::uint16_t redirect_to_port, bool admin,
                                                          bool proxy_protocol) {
  return std::allocate_shared<http1_connection>(pooled_allocator<http1_connection>(connection_blocks_), *this,
                                                std::move(socket), tls, redirect_to_port, admin, proxy_protocol);
}

void worker::parked_closed(const parked_connection& c) {
  auto taken = c.tenant_connection;
  tenants_.leave_connection(taken);
  stats_.connections_open.set(open_connections());
}

void worker::schedule_tick() {
  tick_.expires_after(tick_interval);
  tick_.async_wait(with_memory(tick_memory_, [this](const asio::error_code& ec) {
    if (!ec) on_tick();
  }));
}

// How late a timer fired is how long any ready socket waits for the loop at that moment.
void worker::record_loop_delay(asio::steady_timer& timer, clock::time_point now) {
  delay_sum_ += std::chrono::duration_cast<std::chrono::microseconds>(now - timer.expiry());
  ++delay_samples_;
}

void worker::schedule_delay_probe() {
  probing_ = true;
  delay_probe_.expires_after(delay_probe_interval);
  delay_probe_.async_wait(with_memory(probe_memory_, [this](const asio::error_code& ec) {
    probing_ = false;
    if (ec) return;
    record_loop_delay(delay_probe_, clock::now());
    if (admission_.inflight() > 0 || admission_.queued() > 0) schedule_delay_probe();
  }));
}

void worker::on_tick() {
  const auto now = clock::now();
  record_loop_delay(tick_, now);
  const auto loop_delay = delay_sum_ / delay_samples_;
  delay_sum_ = {};
  delay_samples_ = 0;
  if (!probing_ && !draining_ && (admission_.inflight() > 0 || admission_.queued() > 0)) schedule_delay_probe();
  if (admission_.adapt(loop_delay)) {
    log::debug("worker {}: admission limit {} (loop delay {} µs, {} in flight, {} queued)", index_,
               admission_.limit(), loop_delay.count(), admission_.inflight(), admission_.queued());
  }
  // Judged before expire(): a queue that timed out this tick was still pressure.
  pressure_.observe(loop_delay, site_->cfg->admission.latency_target, admission_.queued() > 0);
  admission_.expire(now);
  park_.expire(now);
  tenants_.tick();
  std::erase_if(retired_limits_, [&](const auto& retired) {
    return !retired.first->owes_decisions() || now - retired.second >= retired_limits_grace;
  });
  publish_stats();
  // Backwards, because a connection that closes swaps the last one into its slot.
  for (std::size_t i = connections_.size(); i-- > 0;) {
    if (i < connections_.size()) connections_[i]->check_deadline(now);
  }
  if (now - last_flush_ >= flush_interval) {
    access_log_.flush();
    last_flush_ = now;
  }
  if (draining_) {
    if (now >= drain_deadline_) close_all();
    if (connections_.empty()) {
      accept_backoff_.cancel();
      // A Redis client's connections and reconnect timers would keep the loop alive.
      limits_.reset();
      retired_limits_.clear();
      return;  // no more ticks: io_.run() returns once the closed sockets' handlers ran
    }
  }
  schedule_tick();
}

void worker::close_all() {
  park_.close_all();
  while (!connections_.empty()) connections_.back()->close();
}

void worker::update(std::shared_ptr<const site> next_site, std::shared_ptr<access_log_target> access_log) {
  asio::post(io_, [this, next_site = std::move(next_site), access_log = std::move(access_log)]() mutable {
    site_ = std::move(next_site);
    const auto& access = site_->cfg->extensions.access;
    access_ = access ? access->make_checker() : nullptr;
    // The old checker keeps answering the decisions it still owes for a while (its connections
    // carry on from posted handlers); new requests go to the new one.
    const auto& limits = site_->cfg->extensions.limits;
    if (limits_) retired_limits_.emplace_back(std::move(limits_), clock::now());
    limits_ = limits ? limits->make_checker(io_) : nullptr;
    client_addresses_ = client_address_resolver(site_->cfg->client_address);
    // The new configuration may have another root, other policies or other cache bounds.
    files_.clear();
    admission_.configure(site_->cfg->admission);
    tenants_.configure(*site_);
    access_log_.set_target(std::move(access_log));
  });
}

void worker::drain(std::chrono::milliseconds grace) {
  asio::post(io_, [this, grace] {
    if (draining_) return;
    draining_ = true;
    drain_deadline_ = clock::now() + grace;
    asio::error_code ec;
    for (auto& a : acceptors_) {
      if (a) a->close(ec);
    }
    accept_backoff_.cancel();
    delay_probe_.cancel();
    park_.close_all();  // idle, like the connections drain() closes at once
    for (std::size_t i = connections_.size(); i-- > 0;) {
      if (i < connections_.size()) connections_[i]->drain();
    }
  });
}

}  // namespace ferry
