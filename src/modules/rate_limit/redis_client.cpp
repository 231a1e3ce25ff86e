#include "modules/rate_limit/redis_client.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <string>

#include "http/text_escape.hpp"
#include "log/logging.hpp"

namespace ferry {

namespace {

class redis_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.redis"; }

  std::string message(int value) const override {
    switch (static_cast<redis_errc>(value)) {
      case redis_errc::timeout:
        return "Redis did not answer in time";
      case redis_errc::unavailable:
        return "no Redis connection available";
      case redis_errc::shut_down:
        return "Redis client shut down";
      case redis_errc::server_error:
        return "Redis answered with an error";
      case redis_errc::unexpected_reply:
        return "unexpected reply from Redis";
      case redis_errc::invalid_command:
        return "invalid Redis command";
    }
    return "unknown Redis error";
  }
};

// The id Redis gives a script: the SHA-1 of its source, in lowercase hex.
std::string script_sha1(std::string_view source) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(source.data(), source.size(), digest, &length, EVP_sha1(), nullptr) != 1) return {};
  return encode_hex(std::span<const unsigned char>(digest, length));
}

std::string describe_reply(const redis_reply& reply) {
  if (reply.type == redis_reply::kind::error || reply.type == redis_reply::kind::status) return reply.text;
  return "unexpected reply";
}

}  // namespace

const std::error_category& redis_category() noexcept {
  static const redis_error_category category;
  return category;
}

void redis_client_stats::record_latency(std::chrono::microseconds latency) {
  const auto us = static_cast<std::uint64_t>(std::max<std::chrono::microseconds::rep>(latency.count(), 0));
  std::size_t bucket = 0;
  while (bucket < latency_bounds_us.size() && us > latency_bounds_us[bucket]) ++bucket;
  latency_buckets[bucket].add();
  latency_sum_us.add(us);
}

// ---- One connection: a slot that (re)connects, and the live link while it is connected -------

namespace {

// What one TCP (or TLS) connection owns. Asynchronous operations hold it by shared_ptr, so the
// stream and buffers outlive the operations even after the connection has moved on to a new
// link; `owner` is cleared when the connection lets go of it. Completions hold the owner too
// (shared_from_this) while they run: a caller's callback may destroy the client.
struct redis_link {
  redis_link(asio::io_context& io, asio::ssl::context* tls, std::string server_name, redis_reader_limits limits)
      : resolver(io), stream(io, tls, std::move(server_name)), reader(limits) {}

  redis_connection* owner = nullptr;
  asio::ip::tcp::resolver resolver;
  redis_stream stream;
  redis_reply_reader reader;
  std::array<char, 16 * 1024> read_buffer{};
  std::string queued;   // commands not yet handed to the stream
  std::string writing;  // the bytes of the write in flight
  bool write_in_flight = false;
};

enum class pending_kind : std::uint8_t {
  call,       // a caller's command
  script,     // a caller's EVALSHA (resent once after NOSCRIPT)
  init,       // AUTH, SELECT, PING while connecting: must succeed
  load,       // SCRIPT LOAD: a failure shows in the calls that use the script
  abandoned,  // timed out: its reply is read and discarded
};

struct pending_call {
  pending_kind kind = pending_kind::call;
  bool retried = false;
  redis_client::callback done;
  redis_client::clock::time_point started;
  redis_client::clock::time_point deadline;
  redis_command command;  // script calls only
  redis_script_id script = 0;
};

}  // namespace

class redis_connection : public std::enable_shared_from_this<redis_connection> {
 public:
  using clock = redis_client::clock;

  redis_connection(redis_client& client, asio::io_context& io)
      : client_(&client), io_(io), deadline_timer_(io), state_timer_(io) {}

  bool up() const { return state_ == state::up; }
  std::size_t pending() const { return pending_.size(); }

  void start() {
    if (state_ == state::idle) connect();
  }

  // Queues a call on an up connection (the client checked up() and the pending limit).
  void submit(pending_call call, std::string_view bytes) {
    const auto deadline = call.deadline;
    pending_.push_back(std::move(call));
    write(bytes);
    arm_deadline(deadline);
  }

  // Fails every pending call with `reason`, closes, and never reconnects; the client is gone
  // for the handlers still queued once `detach` is set.
  void shut_down(std::error_code reason, bool detach) {
    drop_link();
    state_ = state::closed;
    ++epoch_;
    state_timer_.cancel();
    fail_pending(reason);
    if (detach) client_ = nullptr;
  }

 private:
  enum class state : std::uint8_t { idle, connecting, backoff, up, closed };

  const redis_client_config& config() const { return client_->config_; }
  redis_client_stats& stats() { return *client_->stats_; }

  void connect() {
    if (client_ == nullptr) return;
    if (attempted_) stats().reconnects.add();
    attempted_ = true;
    state_ = state::connecting;
    ++epoch_;
    const auto& tls = config().tls;
    link_ = std::make_shared<redis_link>(io_, client_->tls_.get(), tls.server_name.empty() ? config().host : tls.server_name,
                                         config().reply_limits);
    link_->owner = this;
    arm_state_timer(config().connect_timeout);
    char port[8];
    const auto printed = std::to_chars(port, port + sizeof(port), config().port);
    link_->resolver.async_resolve(
        config().host, std::string_view(port, static_cast<std::size_t>(printed.ptr - port)),
        asio::ip::tcp::resolver::numeric_service,
        [link = link_](const std::error_code& ec, const asio::ip::tcp::resolver::results_type& endpoints) {
          if (link->owner != nullptr) link->owner->shared_from_this()->on_resolved(ec, endpoints);
        });
  }

  void on_resolved(const std::error_code& ec, const asio::ip::tcp::resolver::results_type& endpoints) {
    if (ec) {
      fail("cannot resolve " + config().host + ": " + ec.message());
      return;
    }
    link_->stream.async_connect(endpoints, [link = link_](const std::error_code& connect_ec) {
      if (link->owner != nullptr) link->owner->shared_from_this()->on_connected(connect_ec);
    });
  }

  void on_connected(const std::error_code& ec) {
    if (ec) {
      fail("cannot connect to Redis: " + ec.message());
      return;
    }
    read();
    // The handshake is pipelined: every reply must come back before the connection serves calls.
    std::size_t sent = 0;
    const auto& cfg = config();
    if (!cfg.password.empty()) {
      if (cfg.username.empty()) {
        const std::string_view args[] = {"AUTH", cfg.password};
        sent += send_internal(pending_kind::init, args);
      } else {
        const std::string_view args[] = {"AUTH", cfg.username, cfg.password};
        sent += send_internal(pending_kind::init, args);
      }
    }
    if (cfg.db != 0) {
      char db[16];
      const auto printed = std::to_chars(db, db + sizeof(db), cfg.db);
      const std::string_view args[] = {"SELECT", std::string_view(db, static_cast<std::size_t>(printed.ptr - db))};
      sent += send_internal(pending_kind::init, args);
    }
    for (const auto& script : client_->scripts_) {
      pending_call call;
      call.kind = pending_kind::load;
      pending_.push_back(std::move(call));
      write(script.load.bytes());
    }
    // Always one reply to wait for, so a server that accepts but never answers is noticed.
    const std::string_view ping[] = {"PING"};
    sent += send_internal(pending_kind::init, ping);
    init_left_ = sent;
  }

  std::size_t send_internal(pending_kind kind, std::span<const std::string_view> args) {
    const redis_command command = redis_command::format(args);
    if (command.empty()) return 0;  // out of memory: the handshake fails (or times out) without it
    pending_call call;
    call.kind = kind;
    pending_.push_back(std::move(call));
    write(command.bytes());
    return 1;
  }

  void became_up() {
    state_ = state::up;
    ++epoch_;
    state_timer_.cancel();
    attempts_ = 0;
    consecutive_timeouts_ = 0;
    stats().connections_up.add();
    if (reported_down_) {
      reported_down_ = false;
      log::info("redis {}:{}: connected again", client_->config().host, client_->config().port);
    }
    // Calls waiting for a first connection go out on this one.
    client_->connection_up();
    end_first_attempt();
  }

  void end_first_attempt() {
    if (std::exchange(first_attempt_, false) && client_ != nullptr) client_->first_attempt_over();
  }

  // ---- Writing: commands queue while a write is in flight, then go out together ---------------

  void write(std::string_view bytes) {
    link_->queued.append(bytes);
    flush();
  }

  void flush() {
    redis_link& link = *link_;
    if (link.write_in_flight || link.queued.empty()) return;
    link.writing.swap(link.queued);
    link.queued.clear();
    link.write_in_flight = true;
    link.stream.async_write(asio::buffer(link.writing), [link = link_](const std::error_code& ec, std::size_t) {
      if (link->owner != nullptr) link->owner->shared_from_this()->on_written(ec);
    });
  }

  void on_written(const std::error_code& ec) {
    link_->write_in_flight = false;
    link_->writing.clear();
    if (ec) {
      fail("cannot write to Redis: " + ec.message());
      return;
    }
    flush();
  }

  // ---- Reading: replies match the pending calls in order --------------------------------------

  void read() {
    link_->stream.async_read_some(asio::buffer(link_->read_buffer),
                                  [link = link_](const std::error_code& ec, std::size_t n) {
                                    if (link->owner != nullptr) link->owner->shared_from_this()->on_read(ec, n);
                                  });
  }

  void on_read(const std::error_code& ec, std::size_t n) {
    if (ec) {
      fail(ec == asio::error::eof ? std::string("Redis closed the connection") : "cannot read from Redis: " + ec.message());
      return;
    }
    const std::shared_ptr<redis_link> link = link_;
    if (!link->reader.feed(std::string_view(link->read_buffer.data(), n))) {
      fail("protocol error from Redis: " + link->reader.error_message());
      return;
    }
    while (true) {
      const auto result = link->reader.next(reply_);
      if (result == redis_reply_reader::result::need_more) break;
      if (result == redis_reply_reader::result::protocol_error) {
        fail("protocol error from Redis: " + link->reader.error_message());
        return;
      }
      dispatch(reply_);
      // A callback may have shut the client down, or the reply failed the handshake.
      if (link_ != link) return;
    }
    read();
  }

  void dispatch(const redis_reply& reply) {
    if (pending_.empty()) {
      fail("Redis sent a reply nobody asked for");
      return;
    }
    pending_call call = std::move(pending_.front());
    pending_.pop_front();
    switch (call.kind) {
      case pending_kind::init:
        if (reply.is_error()) {
          fail("Redis refused the connection: " + describe_reply(reply));
          return;
        }
        if (--init_left_ == 0) became_up();
        return;
      case pending_kind::load:
        if (reply.is_error() && client_ != nullptr) client_->last_error_ = "SCRIPT LOAD failed: " + reply.text;
        return;
      case pending_kind::abandoned:
        stats().record_latency(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - call.started));
        return;
      case pending_kind::call:
      case pending_kind::script:
        break;
    }
    stats().record_latency(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - call.started));
    consecutive_timeouts_ = 0;
    if (call.kind == pending_kind::script && !call.retried && reply.is_error_code("NOSCRIPT") && resend(call)) return;
    if (reply.is_error()) {
      stats().errors.add();
      call.done(redis_errc::server_error, &reply);
    } else {
      call.done(std::error_code{}, &reply);
    }
  }

  // Loads the script again and resends the call behind it, in the same pipeline, so the retry
  // finds the script. The call keeps its deadline.
  bool resend(pending_call& call) {
    if (call.script >= client_->scripts_.size()) return false;
    pending_call load;
    load.kind = pending_kind::load;
    pending_.push_back(std::move(load));
    write(client_->scripts_[call.script].load.bytes());
    call.retried = true;
    pending_.push_back(std::move(call));
    write(pending_.back().command.bytes());
    return true;
  }

  // ---- Deadlines --------------------------------------------------------------------------------

  void arm_deadline(clock::time_point deadline) {
    if (deadline >= armed_deadline_) return;
    armed_deadline_ = deadline;
    deadline_timer_.expires_at(deadline);
    deadline_timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec != asio::error::operation_aborted && self->client_ != nullptr) self->on_deadline();
    });
  }

  void on_deadline() {
    armed_deadline_ = clock::time_point::max();
    const auto now = clock::now();
    const unsigned epoch = epoch_;
    auto next = clock::time_point::max();
    // By index: a callback may queue new calls (at the back) while this runs.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      pending_call& call = pending_[i];
      if (call.kind != pending_kind::call && call.kind != pending_kind::script) continue;
      if (call.deadline > now) {
        next = std::min(next, call.deadline);
        continue;
      }
      call.kind = pending_kind::abandoned;
      call.command = redis_command{};
      redis_client::callback done = std::move(call.done);
      ++consecutive_timeouts_;
      stats().timeouts.add();
      done(redis_errc::timeout, nullptr);
      if (epoch_ != epoch || client_ == nullptr) return;
    }
    if (consecutive_timeouts_ >= std::max(config().breaker_timeouts, 1u)) {
      fail("Redis stopped answering (" + std::to_string(consecutive_timeouts_) + " calls timed out)");
      return;
    }
    if (next != clock::time_point::max()) arm_deadline(next);
  }

  // ---- Connecting, failing, backing off ---------------------------------------------------------

  void arm_state_timer(std::chrono::milliseconds delay) {
    state_timer_.expires_after(delay);
    state_timer_.async_wait([self = shared_from_this(), epoch = epoch_](const std::error_code& ec) {
      if (ec == asio::error::operation_aborted || self->client_ == nullptr || self->epoch_ != epoch) return;
      self->on_state_timer();
    });
  }

  void on_state_timer() {
    if (state_ == state::connecting) {
      fail("Redis did not complete the connection in time");
    } else if (state_ == state::backoff) {
      connect();
    }
  }

  // Lets go of the link: its operations complete with operation_aborted and find no owner.
  void drop_link() {
    if (!link_) return;
    if (state_ == state::up) stats().connections_up.sub();
    link_->owner = nullptr;
    link_->resolver.cancel();
    link_->stream.close();
    link_.reset();
    deadline_timer_.cancel();
    armed_deadline_ = clock::time_point::max();
    init_left_ = 0;
    consecutive_timeouts_ = 0;
  }

  void fail_pending(std::error_code reason) {
    std::deque<pending_call> failed;
    failed.swap(pending_);
    for (auto& call : failed) {
      if (call.kind != pending_kind::call && call.kind != pending_kind::script) continue;
      if (client_ != nullptr && reason == redis_errc::unavailable) stats().unavailable.add();
      call.done(reason, nullptr);
    }
  }

  // The connection is unusable: fail what it carried and reconnect after a backoff.
  void fail(std::string reason) {
    if (client_ == nullptr || state_ == state::closed) return;
    // One line per outage and connection, not one per retry: the metrics count the rest.
    if (!reported_down_) {
      reported_down_ = true;
      log::warn("redis {}:{}: {}; rate limits fall back to their on_error policy, retrying with backoff",
                client_->config().host, client_->config().port, reason);
    }
    client_->last_error_ = std::move(reason);
    drop_link();
    state_ = state::backoff;
    ++epoch_;
    arm_state_timer(client_->backoff_delay(attempts_));
    if (attempts_ < 64) ++attempts_;
    // Callbacks run last: the connection is already down, so calls they make go elsewhere.
    fail_pending(redis_errc::unavailable);
    end_first_attempt();
  }

  redis_client* client_;
  asio::io_context& io_;
  state state_ = state::idle;
  unsigned epoch_ = 0;  // changes with every state change: stale timer wake-ups are ignored
  bool attempted_ = false;
  bool first_attempt_ = true;  // since start(), it has neither come up nor failed
  unsigned attempts_ = 0;  // failed attempts since the connection was last up
  bool reported_down_ = false;  // its failure is in the log and it has not been up since
  std::size_t init_left_ = 0;
  unsigned consecutive_timeouts_ = 0;
  std::shared_ptr<redis_link> link_;
  std::deque<pending_call> pending_;
  redis_reply reply_;
  asio::steady_timer deadline_timer_;
  clock::time_point armed_deadline_ = clock::time_point::max();
  asio::steady_timer state_timer_;
};

// ---- The client --------------------------------------------------------------------------------

std::unique_ptr<redis_client> redis_client::create(asio::io_context& io, redis_client_config config,
                                                   std::string& error) {
  if (config.host.empty()) {
    error = "redis: host is empty";
    return nullptr;
  }
  if (config.port == 0) {
    error = "redis: port is 0";
    return nullptr;
  }
  if (config.connections == 0 || config.connections > 64) {
    error = "redis: connections must be 1 to 64";
    return nullptr;
  }
  if (config.timeout.count() <= 0 || config.connect_timeout.count() <= 0) {
    error = "redis: timeouts must be positive";
    return nullptr;
  }
  if (config.max_pending == 0) {
    error = "redis: max_pending must be at least 1";
    return nullptr;
  }
  if (config.backoff_min.count() <= 0 || config.backoff_max < config.backoff_min) {
    error = "redis: backoff_min must be positive and at most backoff_max";
    return nullptr;
  }
  if (!config.username.empty() && config.password.empty()) {
    error = "redis: a username needs a password";
    return nullptr;
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (config.tls.enabled) {
    std::string tls_error;
    tls = make_redis_tls_context(config.tls, tls_error);
    if (!tls) {
      error = "redis: " + tls_error;
      return nullptr;
    }
  }
  return std::make_unique<redis_client>(io, std::move(config), std::move(tls));
}

redis_client::redis_client(asio::io_context& io, redis_client_config config, std::shared_ptr<asio::ssl::context> tls)
    : io_(io), config_(std::move(config)), tls_(std::move(tls)), waiting_timer_(io), jitter_(std::random_device{}()) {
  connections_.reserve(config_.connections);
  for (std::size_t i = 0; i < config_.connections; ++i) {
    connections_.push_back(std::make_shared<redis_connection>(*this, io_));
  }
}

redis_client::~redis_client() {
  shut_down_ = true;
  fail_waiting(redis_errc::shut_down);
  for (auto& connection : connections_) connection->shut_down(redis_errc::shut_down, true);
}

redis_script_id redis_client::add_script(std::string_view source) {
  registered_script entry;
  entry.sha = script_sha1(source);
  const std::string_view args[] = {"SCRIPT", "LOAD", source};
  entry.load = redis_command::format(args);
  scripts_.push_back(std::move(entry));
  return scripts_.size() - 1;
}

const std::string& redis_client::script_sha(redis_script_id script) const { return scripts_.at(script).sha; }

void redis_client::start() {
  if (started_ || shut_down_) return;
  started_ = true;
  first_attempts_ = connections_.size();
  for (auto& connection : connections_) connection->start();
}

void redis_client::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  fail_waiting(redis_errc::shut_down);
  for (auto& connection : connections_) connection->shut_down(redis_errc::shut_down, false);
}

// A callback run from here may destroy the client: `alive` tells.
void redis_client::connection_up() {
  const auto now = clock::now();
  const std::weak_ptr<char> alive = lifetime_;
  while (!waiting_.empty()) {
    redis_connection* connection = pick_connection();
    if (connection == nullptr) break;  // its pipeline is full: the rest wait on (deadline below)
    waiting_call call = std::move(waiting_.front());
    waiting_.pop_front();
    if (call.deadline <= now) {  // the timer has not run yet
      stats_->timeouts.add();
      call.done(redis_errc::timeout, nullptr);
      if (alive.expired()) return;
      continue;
    }
    send(*connection, std::move(call.command), call.script ? &*call.script : nullptr, std::move(call.done),
         call.started);
  }
}

// Every connection's first attempt is over and none is up (Redis is not there): what waits now
// would wait for a backoff, longer than any call may.
void redis_client::first_attempt_over() {
  if (first_attempts_ > 0) --first_attempts_;
  if (first_attempts_ == 0 && connections_up() == 0) fail_waiting(redis_errc::unavailable);
}

void redis_client::expire_waiting() {
  const auto now = clock::now();
  const std::weak_ptr<char> alive = lifetime_;
  // A callback may queue another call (at the back, with a later deadline) while this runs, or
  // destroy the client.
  while (!waiting_.empty() && waiting_.front().deadline <= now) {
    callback done = std::move(waiting_.front().done);
    waiting_.pop_front();
    stats_->timeouts.add();
    done(redis_errc::timeout, nullptr);
    if (alive.expired()) return;
  }
  if (waiting_.empty()) return;
  waiting_timer_.expires_at(waiting_.front().deadline);
  waiting_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) expire_waiting();  // aborted when the client goes away: `this` is not touched
  });
}

// Only the local list is touched once the callbacks run: one of them may destroy the client.
void redis_client::fail_waiting(std::error_code reason) {
  waiting_timer_.cancel();
  std::deque<waiting_call> failed;
  failed.swap(waiting_);
  if (reason == redis_errc::unavailable) stats_->unavailable.add(failed.size());
  for (auto& call : failed) call.done(reason, nullptr);
}

std::size_t redis_client::connections_up() const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->up(); }));
}

redis_connection* redis_client::pick_connection() {
  // Least pending among the connections that are up, starting the scan at a rotating index so
  // ties spread evenly.
  redis_connection* best = nullptr;
  const std::size_t count = connections_.size();
  for (std::size_t k = 0; k < count; ++k) {
    redis_connection* candidate = connections_[(next_connection_ + k) % count].get();
    if (!candidate->up() || candidate->pending() >= config_.max_pending) continue;
    if (best == nullptr || candidate->pending() < best->pending()) best = candidate;
  }
  next_connection_ = (next_connection_ + 1) % count;
  return best;
}

std::error_code redis_client::submit(redis_command command, const redis_script_id* script, callback done) {
  if (command.empty()) return redis_errc::invalid_command;
  redis_connection* connection = shut_down_ ? nullptr : pick_connection();
  if (connection != nullptr) {
    send(*connection, std::move(command), script, std::move(done), clock::now());
    return {};
  }
  if (!shut_down_ && first_attempts_ > 0 && waiting_.size() < config_.max_pending) {
    waiting_call call;
    call.command = std::move(command);
    if (script != nullptr) call.script = *script;
    call.done = std::move(done);
    call.started = clock::now();
    call.deadline = call.started + config_.timeout;
    waiting_.push_back(std::move(call));
    if (waiting_.size() == 1) {
      waiting_timer_.expires_at(waiting_.front().deadline);
      waiting_timer_.async_wait([this](const std::error_code& ec) {
        if (!ec) expire_waiting();
      });
    }
    return {};
  }
  stats_->unavailable.add();
  return redis_errc::unavailable;
}

void redis_client::send(redis_connection& connection, redis_command command, const redis_script_id* script,
                        callback done, clock::time_point started) {
  pending_call call;
  call.kind = script != nullptr ? pending_kind::script : pending_kind::call;
  call.done = std::move(done);
  call.started = started;
  call.deadline = started + config_.timeout;
  const std::string_view bytes = command.bytes();
  if (script != nullptr) {
    call.script = *script;
    call.command = std::move(command);
  }
  connection.submit(std::move(call), bytes);
}

std::error_code redis_client::call(std::span<const std::string_view> args, callback done) {
  stats_->calls.add();
  return submit(redis_command::format(args), nullptr, std::move(done));
}

std::error_code redis_client::call_script(redis_script_id script, std::span<const std::string_view> keys,
                                          std::span<const std::string_view> args, callback done) {
  stats_->calls.add();
  if (script >= scripts_.size() || scripts_[script].sha.empty()) return redis_errc::invalid_command;
  char numkeys[24];
  const auto printed = std::to_chars(numkeys, numkeys + sizeof(numkeys), keys.size());
  const std::size_t argc = 3 + keys.size() + args.size();
  constexpr std::size_t inline_args = 16;
  std::array<std::string_view, inline_args> inline_argv;
  std::vector<std::string_view> heap_argv;
  std::span<std::string_view> argv(inline_argv.data(), std::min(argc, inline_args));
  if (argc > inline_args) {
    heap_argv.resize(argc);
    argv = heap_argv;
  }
  argv[0] = "EVALSHA";
  argv[1] = scripts_[script].sha;
  argv[2] = std::string_view(numkeys, static_cast<std::size_t>(printed.ptr - numkeys));
  std::copy(keys.begin(), keys.end(), argv.begin() + 3);
  std::copy(args.begin(), args.end(), argv.begin() + 3 + static_cast<std::ptrdiff_t>(keys.size()));
  return submit(redis_command::format(argv), &script, std::move(done));
}

std::chrono::milliseconds redis_client::backoff_delay(unsigned attempt) {
  // min * 2^attempt, capped; then a random point in its upper half, so a fleet that lost Redis
  // together does not reconnect in lockstep.
  auto delay = config_.backoff_min;
  for (unsigned i = 0; i < attempt && delay < config_.backoff_max; ++i) delay *= 2;
  delay = std::min(delay, config_.backoff_max);
  const auto half = delay.count() / 2;
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(half, delay.count());
  return std::chrono::milliseconds(std::max<std::chrono::milliseconds::rep>(pick(jitter_), 1));
}

}  // namespace ferry
