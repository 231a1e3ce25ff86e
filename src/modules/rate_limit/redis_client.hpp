// A Redis client for one worker: a few pipelined connections on the worker's io_context (one
// thread, no locks), each call bounded by a deadline and never waiting for a connection. It
// speaks RESP through redis_reply (hiredis' reader and formatter) over redis_stream (TCP or
// TLS), authenticates and loads the registered Lua scripts on every (re)connection, and backs
// off exponentially (with jitter) while Redis is unreachable or stops answering.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "modules/rate_limit/redis_reply.hpp"
#include "modules/rate_limit/redis_stream.hpp"

namespace ferry {

// ---- Errors: std::error_code in the "ferry.redis" category ----------------------------------

enum class redis_errc {
  timeout = 1,       // no reply within the call's timeout (a late reply is discarded)
  unavailable,       // no connection up, its pipeline full, or dropped before the reply
  shut_down,         // the client was shut down (or destroyed) with the call pending
  server_error,      // Redis answered with an error reply
  unexpected_reply,  // the reply has a shape the caller cannot use
  invalid_command,   // no arguments, unknown script, or out of memory formatting it
};

const std::error_category& redis_category() noexcept;

inline std::error_code make_error_code(redis_errc e) noexcept { return {static_cast<int>(e), redis_category()}; }

}  // namespace ferry

template <>
struct std::is_error_code_enum<ferry::redis_errc> : std::true_type {};

namespace ferry {

// ---- A callable stored in place: no allocation per call -------------------------------------

template <class Signature, std::size_t Capacity>
class fixed_function;

template <class R, class... Args, std::size_t Capacity>
class fixed_function<R(Args...), Capacity> {
 public:
  fixed_function() = default;

  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, fixed_function> && std::is_invocable_r_v<R, F&, Args...>)
  fixed_function(F&& f) {  // NOLINT(google-explicit-constructor): a callable is a handler
    using T = std::decay_t<F>;
    static_assert(sizeof(T) <= Capacity, "the callable does not fit: capture less (e.g. one pointer)");
    static_assert(alignof(T) <= alignof(std::max_align_t));
    static_assert(std::is_nothrow_move_constructible_v<T>);
    ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
    ops_ = &ops_for<T>;
  }

  fixed_function(fixed_function&& other) noexcept { take(other); }
  fixed_function& operator=(fixed_function&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  fixed_function(const fixed_function&) = delete;
  fixed_function& operator=(const fixed_function&) = delete;
  ~fixed_function() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  R operator()(Args... args) { return ops_->invoke(storage_, std::forward<Args>(args)...); }

  void reset() {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct operations {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* to, void* from) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <class T>
  static constexpr operations ops_for = {
      [](void* self, Args&&... args) -> R { return (*static_cast<T*>(self))(std::forward<Args>(args)...); },
      [](void* to, void* from) noexcept {
        ::new (to) T(std::move(*static_cast<T*>(from)));
        static_cast<T*>(from)->~T();
      },
      [](void* self) noexcept { static_cast<T*>(self)->~T(); },
  };

  void take(fixed_function& other) noexcept {
    if (other.ops_ == nullptr) return;
    other.ops_->move(storage_, other.storage_);
    ops_ = std::exchange(other.ops_, nullptr);
  }

  alignas(std::max_align_t) unsigned char storage_[Capacity];
  const operations* ops_ = nullptr;
};

// ---- Configuration and statistics ------------------------------------------------------------

struct redis_client_config {
  std::string host = "127.0.0.1";  // a name (resolved on every connection attempt) or an address
  std::uint16_t port = 6379;
  std::string username;  // AUTH username password (ACL) when set, else AUTH password
  std::string password;  // no AUTH when empty
  unsigned db = 0;       // SELECT when not 0
  redis_tls_settings tls;
  std::size_t connections = 2;
  std::chrono::milliseconds timeout{50};  // per call
  std::size_t max_pending = 1024;         // calls in flight per connection
  std::chrono::milliseconds connect_timeout{1000};  // resolve + connect + TLS + AUTH/SELECT/SCRIPT LOAD
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  unsigned breaker_timeouts = 3;  // consecutive timeouts that take a connection down
  redis_reader_limits reply_limits;
};

// A counter with one writer (the client's thread) and any number of readers.
class redis_counter {
 public:
  void add(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

struct redis_client_stats {
  // Upper bounds (µs) of the latency buckets; one more bucket counts everything above.
  static constexpr std::array<std::uint64_t, 9> latency_bounds_us = {100,  250,   500,   1000, 2500,
                                                                     5000, 10000, 25000, 50000};

  redis_counter calls;        // every call() / call_script(), refused ones included
  redis_counter errors;       // answered with an error reply
  redis_counter timeouts;     // answered by the deadline
  redis_counter unavailable;  // refused at once (no connection up, pipeline full) or dropped
  redis_counter reconnects;   // connection attempts after the first one of each connection
  redis_counter connections_up;  // gauge
  // Round trips of every reply received (late ones too: this is Redis' latency, not callers').
  // Not cumulative: bucket i counts latencies in (bound[i-1], bound[i]].
  std::array<redis_counter, latency_bounds_us.size() + 1> latency_buckets;
  redis_counter latency_sum_us;

  void record_latency(std::chrono::microseconds latency);
};

using redis_script_id = std::size_t;

class redis_connection;

class redis_client {
 public:
  using clock = std::chrono::steady_clock;
  // Runs exactly once for every call that call() accepted: with the reply (ec empty), or with
  // the error and the reply when Redis answered (server_error), or with the error and null.
  // Never runs inside call().
  using callback = fixed_function<void(std::error_code, const redis_reply*), 64>;

  // Null, with `error`, when the configuration is invalid or its TLS files cannot be loaded.
  // The client must be destroyed before `io`.
  static std::unique_ptr<redis_client> create(asio::io_context& io, redis_client_config config, std::string& error);

  redis_client(asio::io_context& io, redis_client_config config, std::shared_ptr<asio::ssl::context> tls);
  // Fails the pending calls with shut_down (their callbacks run here).
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  // Registers a Lua script: loaded on every connection from now on (and again after NOSCRIPT).
  redis_script_id add_script(std::string_view source);
  const std::string& script_sha(redis_script_id script) const;

  // Starts connecting every connection. Calls before a connection is up fail with unavailable.
  void start();
  // Fails every pending call with shut_down, closes the connections, stops reconnecting.
  void shutdown();

  // Sends a command. An error returned here means the call was refused and `done` will never
  // run (counted in stats: unavailable, or invalid_command). With no connection up the call is
  // refused at once, except while the connections are still on their first attempt after
  // start(): then it waits for the first one up (at most max_pending calls), within its
  // timeout, so a client just made (a reload) does not fail the calls of its first milliseconds.
  std::error_code call(std::span<const std::string_view> args, callback done);
  // EVALSHA of a registered script; on NOSCRIPT the script is loaded again and the call resent
  // once, within the same deadline.
  std::error_code call_script(redis_script_id script, std::span<const std::string_view> keys,
                              std::span<const std::string_view> args, callback done);

  std::size_t connections_up() const;
  const redis_client_stats& stats() const { return *stats_; }
  // The same counters, for a reader that may outlive the client (the limiter's metrics keep
  // the totals of clients that were shut down).
  std::shared_ptr<const redis_client_stats> shared_stats() const { return stats_; }
  const redis_client_config& config() const { return config_; }
  // The last reason a connection failed or was refused (empty when none), for diagnostics.
  const std::string& last_error() const { return last_error_; }

 private:
  friend class redis_connection;

  struct registered_script {
    std::string sha;
    redis_command load;  // SCRIPT LOAD <source>
  };

  // A call waiting for the first connection to come up.
  struct waiting_call {
    redis_command command;
    std::optional<redis_script_id> script;
    callback done;
    clock::time_point started;
    clock::time_point deadline;
  };

  redis_connection* pick_connection();
  std::error_code submit(redis_command command, const redis_script_id* script, callback done);
  void send(redis_connection& connection, redis_command command, const redis_script_id* script, callback done,
            clock::time_point started);
  // From the connections: one came up; one's first attempt ended (up or failed).
  void connection_up();
  void first_attempt_over();
  void expire_waiting();
  void fail_waiting(std::error_code reason);
  std::chrono::milliseconds backoff_delay(unsigned attempt);

  asio::io_context& io_;
  redis_client_config config_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::vector<registered_script> scripts_;
  std::vector<std::shared_ptr<redis_connection>> connections_;
  std::size_t next_connection_ = 0;
  std::size_t first_attempts_ = 0;  // connections still on their first attempt
  std::deque<waiting_call> waiting_;
  asio::steady_timer waiting_timer_;
  // Expires with the client: code that runs callbacks in a loop checks it after each.
  std::shared_ptr<char> lifetime_ = std::make_shared<char>();
  bool started_ = false;
  bool shut_down_ = false;
  std::minstd_rand jitter_;
  std::string last_error_;
  std::shared_ptr<redis_client_stats> stats_ = std::make_shared<redis_client_stats>();
};

}  // namespace ferry
