// What the metrics module offers the core: the endpoint's path, who may read it, and the
// Prometheus text rendering of a snapshot the core assembles from every worker's counters.
// The counting itself is core (plain per-worker counters, summed on scrape), so the request
// path costs the same with the module on or off; without the module there is no endpoint.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/listener_config.hpp"

namespace ferry {

// Label values, in the order the arrays below are indexed.
enum class metric_protocol : std::uint8_t { http1_0, http1_1, http2, count };
enum class metric_method : std::uint8_t { get, head, options, other, count };
inline constexpr std::size_t metric_protocols = static_cast<std::size_t>(metric_protocol::count);
inline constexpr std::size_t metric_methods = static_cast<std::size_t>(metric_method::count);
inline constexpr std::size_t metric_status_classes = 5;  // 1xx … 5xx (index = status / 100 - 1)

// Upper bounds (seconds) of the request duration histogram; a last, implicit +Inf bucket follows.
inline constexpr std::array<double, 14> request_duration_bounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
inline constexpr std::size_t request_duration_buckets = request_duration_bounds.size() + 1;

// One certificate new handshakes present: its expiry for the metrics, and what identifies it
// for audit events about certificate changes.
struct certificate_expiry {
  std::string name;            // the certificate's first name (SAN or CN), e.g. "example.com"
  std::int64_t not_after = 0;  // Unix seconds
  std::string subject;         // RFC 2253 DN
  std::string issuer;          // RFC 2253 DN
  std::string serial;          // upper-case hex
  std::string sha256;          // fingerprint of the DER, lower-case hex
};

// The audit log's counts (module auth), totals since it opened.
struct audit_log_counts {
  std::uint64_t written = 0;
  std::uint64_t dropped = 0;  // refused: queue full (after the wait with queue_full = "block")
  std::uint64_t failed = 0;   // accepted, but the write failed (disk full, EIO...)
};

// The rate limits' counts (module rate_limit).
struct rate_limit_counts {
  std::string name;          // the limit's name (from the config: bounded cardinality)
  std::uint64_t limited = 0;  // requests it refused with 429
};
// The shared backend's counts (rate_limit.backend = "redis"), summed over the workers' clients.
struct rate_limit_redis_stats {
  // Upper bounds (seconds) of the call latency buckets; a last, implicit +Inf bucket follows.
  static constexpr std::array<double, 9> latency_bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                        0.005,  0.01,    0.025,  0.05};
  std::uint64_t calls = 0;        // counter: decisions asked of Redis, refused ones included
  std::uint64_t errors = 0;       // counter: answered with an error reply
  std::uint64_t timeouts = 0;     // counter: no answer within timeout_ms
  std::uint64_t unavailable = 0;  // counter: no connection up (or its pipeline full), or dropped
  std::uint64_t reconnects = 0;   // counter: connection attempts after a connection's first
  std::uint64_t connections = 0;  // gauge: connections up now
  // Round trips of the replies: per-bucket counts, NOT cumulative (as duration_buckets below).
  std::array<std::uint64_t, latency_bounds.size() + 1> latency_buckets{};
  double latency_sum_seconds = 0;
  // Decisions per covering limit that Redis could not make, by what was done instead: decided
  // by the local table, let through, or refused with 503.
  std::uint64_t fallback_local = 0;
  std::uint64_t fallback_open = 0;
  std::uint64_t fallback_closed = 0;
};

struct rate_limit_stats {
  std::vector<rate_limit_counts> limits;
  std::uint64_t keys = 0;       // gauge: clients remembered now (Redis: in the local fallback table)
  std::uint64_t evictions = 0;  // counter: clients forgotten to make room (max_keys)
  std::optional<rate_limit_redis_stats> redis;  // none: the local backend
};

// One virtual host's counts ([[vhosts]]; the default host has none of its own).
struct vhost_counts {
  std::string name;
  std::array<std::uint64_t, metric_status_classes> requests{};  // by status class (counter)
  std::uint64_t response_bytes = 0;                              // counter
  std::uint64_t refused = 0;  // 503s from its caps or its fair share (counter)
  std::uint64_t bandwidth_waits = 0;  // pauses of a response body for its max_bandwidth (counter)
};

// Everything one scrape reports: counters are totals since start, gauges are current values,
// both summed over the workers.
struct metrics_snapshot {
  unsigned workers = 0;
  std::int64_t now = 0;  // Unix seconds, for certificate expiry

  // Requests by protocol, method and status class (counter).
  std::array<std::array<std::array<std::uint64_t, metric_status_classes>, metric_methods>, metric_protocols>
      requests{};
  // Response body bytes by protocol (counter).
  std::array<std::uint64_t, metric_protocols> response_bytes{};
  // Request duration by protocol: per-bucket counts, NOT cumulative (bucket i holds durations
  // in (bound[i-1], bound[i]]; the last one above the last bound); the renderer accumulates.
  std::array<std::array<std::uint64_t, request_duration_buckets>, metric_protocols> duration_buckets{};
  std::array<double, metric_protocols> duration_sum_seconds{};

  std::uint64_t connections_open = 0;      // gauge
  std::uint64_t connections_accepted = 0;  // counter
  std::uint64_t connections_refused = 0;   // counter: over limits.max_connections
  std::uint64_t requests_inflight = 0;     // gauge
  std::uint64_t requests_queued = 0;       // gauge
  std::uint64_t admission_limit = 0;       // gauge: current (adaptive) in-flight limit, summed
  std::uint64_t admission_rejected = 0;    // counter: 503s from admission
  std::uint64_t file_cache_hits = 0;       // counter
  std::uint64_t file_cache_misses = 0;     // counter
  // Worker CPU pressure, judged from event-loop delay: 0 none, 1 high, 2 severe (gauge: the
  // highest of any worker, not a sum), and what on-the-fly compression did about it (counters):
  // responses compressed at the cheapest level instead of the configured one, and responses
  // sent without the on-the-fly compression they would have had.
  std::uint64_t cpu_pressure = 0;
  std::uint64_t compression_lowered = 0;
  std::uint64_t compression_skipped = 0;
  std::uint64_t sendfile_bytes = 0;        // counter: file bytes sent by sendfile/SSL_sendfile
  std::uint64_t copy_bytes = 0;            // counter: file bytes read and copied (pread/SSL_write)
  std::uint64_t tls_handshakes = 0;        // counter: completed
  std::uint64_t tls_handshake_failures = 0;  // counter
  std::vector<certificate_expiry> certificates;
  std::optional<audit_log_counts> audit;  // none: no audit log
  std::optional<rate_limit_stats> rate_limits;  // none: no rate limits
  std::vector<vhost_counts> vhosts;             // the virtual hosts that counted anything
  std::uint64_t reloads_ok = 0;      // counter
  std::uint64_t reloads_failed = 0;  // counter
};

// Built once per configuration by the metrics module; shared read-only by all workers.
class metrics_exporter {
 public:
  virtual ~metrics_exporter() = default;
  // The endpoint's path ("/metrics" by default). Requests for it never reach the file system.
  virtual const std::string& path() const = 0;
  // Whether a client at `address` (numeric IPv4 or IPv6 text, as logged) may read it. Others
  // get 404, as if the endpoint did not exist.
  virtual bool allows(std::string_view address) const = 0;
  // Listeners of its own (an admin port, plaintext HTTP/1.1). When there are any, the endpoint
  // is served only there, and they serve nothing else but the health endpoints.
  virtual const std::vector<listener_config>& listeners() const = 0;
  // Appends the Prometheus text exposition (format 0.0.4) of `snapshot` to `out`.
  virtual void render(const metrics_snapshot& snapshot, std::string& out) const = 0;
};

// The exposition's media type, for the Content-Type header.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace ferry
