// What the rate_limit module offers the core: one decision per request (every HTTP/2 stream is
// a request), made after authentication (a limit may be keyed on the principal) and before the
// file system is touched. Without the module pipeline_extensions::limits is null and nothing
// is limited.
//
// A decision may be asynchronous (limits shared through Redis): check() then answers "pending"
// and the verdict reaches the request's limit_waiter later, on the same worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "modules/metrics_exporter.hpp"

namespace asio {
class io_context;
}

namespace ferry {

struct limit_verdict {
  bool limited = false;  // true: answer 429
  // The shared store could not decide and the configuration says fail closed: answer 503.
  bool unavailable = false;
  // Values for the response ("" = no such header): RateLimit-Policy and RateLimit (IETF
  // draft-ietf-httpapi-ratelimit-headers) for the limit closest to denying, and Retry-After
  // (seconds) on a 429 or 503.
  std::string policy;
  std::string state;
  std::string retry_after;

  void clear() {
    limited = false;
    unavailable = false;
    policy.clear();
    state.clear();
    retry_after.clear();
  }
};

// Who waits for a decision a checker could not make at once.
class limit_waiter {
 public:
  // Runs exactly once per pending check() (with limit_request::tag), on the worker's thread,
  // never inside that check(). It may run inside another call into the limits (e.g. while a
  // replaced checker shuts down and fails its pending decisions), so continue the request on a
  // fresh stack (asio::post), never directly.
  virtual void limits_decided(std::uint32_t tag, const limit_verdict& verdict) = 0;

 protected:
  ~limit_waiter() = default;
};

struct limit_request {
  const request* req = nullptr;      // method and headers (header-keyed limits)
  std::string_view path;             // normalised, decoded path
  std::string_view remote_address;   // the client's address (after trusted proxies)
  std::string_view principal;        // "" when anonymous
  std::string_view tenant;           // the principal's tenant, "" when none
  std::string_view vhost;            // the [[vhosts]] name, else the authority's host as sent
  // Where a pending decision goes (null: the checker must decide at once, e.g. from a local
  // fallback) and what it is told to tell them apart (an HTTP/2 stream id).
  limit_waiter* waiter = nullptr;
  std::uint32_t tag = 0;
};

// One per worker; used only on its worker's thread.
class limit_checker {
 public:
  virtual ~limit_checker() = default;
  // Counts the request against every limit that covers it. True: `out` holds the decision.
  // False (only with a waiter): the decision is pending and will reach the waiter, which must
  // stay alive until it does; `out` is untouched. Never throws.
  virtual bool check(const limit_request& request, limit_verdict& out) = 0;
  // Decisions still pending: a checker replaced by a reload is kept until it owes none.
  virtual bool owes_decisions() const { return false; }
};

// Built once per configuration by the module; shared read-only by all workers.
class request_limiter {
 public:
  virtual ~request_limiter() = default;
  // Called on the worker's thread (or before its loop runs); `io` is that worker's event loop (network stores run their
  // connections on it) and outlives the checker. Destroying a checker fails its pending
  // decisions by the configured policy (their waiters hear of them then).
  virtual std::unique_ptr<limit_checker> make_checker(asio::io_context& io) const = 0;
  // For the metrics: refusals per limit and the store's size. Thread-safe.
  virtual rate_limit_stats stats() const = 0;
};

}  // namespace ferry
