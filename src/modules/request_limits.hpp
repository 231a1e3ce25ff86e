// What the rate_limit module offers the core: one decision per request (every HTTP/2 stream is
// a request), made after authentication (a limit may be keyed on the principal) and before the
// file system is touched. Without the module pipeline_extensions::limits is null and nothing
// is limited.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "modules/metrics_exporter.hpp"

namespace ferry {

struct limit_request {
  const request* req = nullptr;      // method and headers (header-keyed limits)
  std::string_view path;             // normalised, decoded path
  std::string_view remote_address;   // the client's address (after trusted proxies)
  std::string_view principal;        // "" when anonymous
  std::string_view vhost;            // authority without port, lower case
};

struct limit_verdict {
  bool limited = false;  // true: answer 429
  // Values for the response ("" = no such header): RateLimit-Policy and RateLimit (IETF
  // draft-ietf-httpapi-ratelimit-headers) for the limit closest to denying, and Retry-After
  // (seconds) on a 429.
  std::string policy;
  std::string state;
  std::string retry_after;

  void clear() {
    limited = false;
    policy.clear();
    state.clear();
    retry_after.clear();
  }
};

// One per worker; used only on its worker's thread.
class limit_checker {
 public:
  virtual ~limit_checker() = default;
  // Counts the request against every limit that covers it. Never throws.
  virtual void check(const limit_request& request, limit_verdict& out) = 0;
};

// Built once per configuration by the module; shared read-only by all workers.
class request_limiter {
 public:
  virtual ~request_limiter() = default;
  virtual std::unique_ptr<limit_checker> make_checker() const = 0;
  // For the metrics: refusals per limit and the store's size. Thread-safe.
  virtual rate_limit_stats stats() const = 0;
};

}  // namespace ferry
