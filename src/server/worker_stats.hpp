// Per-worker counters for /metrics. Each worker writes only its own (relaxed loads and stores,
// no read-modify-write: there is one writer), and a scrape on any worker sums them all, so the
// request path never contends on a shared cache line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "modules/metrics_exporter.hpp"

namespace ferry {

class secure_transport;

// A value with one writing thread and any number of reading threads.
class stat_value {
 public:
  void add(std::uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

template <std::size_t N>
using stat_array = std::array<stat_value, N>;

// Virtual hosts with per-host counters: tenant ids 1 to max_metric_vhosts - 1 (the first names
// a process loads; later ones are counted only in the totals), so the memory and the number of
// series stay bounded.
inline constexpr std::size_t max_metric_vhosts = 64;

struct alignas(64) worker_stats {
  stat_array<metric_protocols * metric_methods * metric_status_classes> requests;
  stat_array<metric_protocols> response_bytes;
  stat_array<metric_protocols * request_duration_buckets> duration_buckets;
  stat_array<metric_protocols> duration_sum_us;

  stat_value connections_open;  // gauges, published by the worker (see worker::publish_stats)
  stat_value requests_inflight;
  stat_value requests_queued;
  stat_value admission_limit;
  stat_value file_cache_hits;
  stat_value file_cache_misses;
  stat_value cpu_pressure;         // the worker's cpu_pressure_level (0, 1, 2)
  stat_value compression_lowered;  // counters kept by the worker's cpu_pressure
  stat_value compression_skipped;

  stat_value connections_accepted;
  stat_value connections_refused;
  stat_value admission_rejected;
  stat_value sendfile_bytes;
  stat_value copy_bytes;
  stat_value tls_handshakes;
  stat_value tls_handshake_failures;

  stat_array<max_metric_vhosts * metric_status_classes> vhost_requests;  // by tenant id
  stat_array<max_metric_vhosts> vhost_response_bytes;
  stat_array<max_metric_vhosts> vhost_refused;
  stat_array<max_metric_vhosts> vhost_bandwidth_waits;

  // One finished request: its status (status/100 outside 1…5 is not counted), body bytes and
  // duration.
  void count_request(metric_protocol protocol, metric_method method, int status, std::uint64_t body_bytes,
                     std::chrono::microseconds duration);
  // The same for a virtual host (site::tenant_id; 0, the default host, is not counted).
  void count_vhost_request(std::uint32_t tenant, int status, std::uint64_t body_bytes);
  void count_vhost_refusal(std::uint32_t tenant) {
    if (tenant != 0 && tenant < max_metric_vhosts) vhost_refused[tenant].add(1);
  }
  // A response body of the host paused for its max_bandwidth.
  void count_vhost_bandwidth_wait(std::uint32_t tenant) {
    if (tenant != 0 && tenant < max_metric_vhosts) vhost_bandwidth_waits[tenant].add(1);
  }
};

metric_method metric_method_of(std::string_view method);

// Every worker's counters plus the process-wide ones. Workers register at construction;
// the registry outlives them (it belongs to the server).
class stats_registry {
 public:
  // The process's registry: every worker of the running server registers here.
  static stats_registry& process();

  // A new worker's counters; stable address for the registry's lifetime.
  worker_stats& add_worker();
  // Forgets a worker that is going away (its counts leave the totals).
  void remove_worker(const worker_stats& stats);
  void count_reload(bool ok) { (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t reloads_ok() const { return reloads_ok_.load(std::memory_order_relaxed); }
  // Sums every worker's counters into `out` (certificate expiry from `tls` when set).
  void snapshot(metrics_snapshot& out, const secure_transport* tls) const;

 private:
  void sum_vhosts(metrics_snapshot& out) const;

  mutable std::mutex mutex_;  // guards workers_ (registration vs scrape), never the counters
  std::vector<std::unique_ptr<worker_stats>> workers_;
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
};

}  // namespace ferry
