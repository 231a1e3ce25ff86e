#include "server/worker_stats.hpp"

#include <algorithm>
#include <ctime>

#include "http/request.hpp"
#include "modules/secure_transport.hpp"
#include "server/site.hpp"

namespace ferry {

namespace {

std::size_t index_of(metric_protocol p) { return static_cast<std::size_t>(p); }

// The histogram bucket of a duration: the first bound it does not exceed, else the +Inf bucket.
std::size_t duration_bucket(std::chrono::microseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1e6;
  const auto found = std::lower_bound(request_duration_bounds.begin(), request_duration_bounds.end(), seconds);
  return static_cast<std::size_t>(found - request_duration_bounds.begin());
}

}  // namespace

metric_method metric_method_of(std::string_view method) {
  if (method == "GET") return metric_method::get;
  if (method == "HEAD") return metric_method::head;
  if (method == "OPTIONS") return metric_method::options;
  return metric_method::other;
}

void worker_stats::count_request(metric_protocol protocol, metric_method method, int status,
                                 std::uint64_t body_bytes, std::chrono::microseconds duration) {
  const std::size_t p = index_of(protocol);
  if (status >= 100 && status < 600) {
    const auto status_class = static_cast<std::size_t>(status / 100 - 1);
    requests[(p * metric_methods + static_cast<std::size_t>(method)) * metric_status_classes + status_class].add(1);
  }
  response_bytes[p].add(body_bytes);
  duration_buckets[p * request_duration_buckets + duration_bucket(duration)].add(1);
  duration_sum_us[p].add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count())));
}

void worker_stats::count_vhost_request(std::uint32_t tenant, int status, std::uint64_t body_bytes) {
  if (tenant == 0 || tenant >= max_metric_vhosts) return;
  if (status >= 100 && status < 600) {
    vhost_requests[tenant * metric_status_classes + static_cast<std::size_t>(status / 100 - 1)].add(1);
  }
  vhost_response_bytes[tenant].add(body_bytes);
}

stats_registry& stats_registry::process() {
  static stats_registry registry;
  return registry;
}

void stats_registry::remove_worker(const worker_stats& stats) {
  const std::lock_guard lock(mutex_);
  std::erase_if(workers_, [&](const auto& w) { return w.get() == &stats; });
}

worker_stats& stats_registry::add_worker() {
  const std::lock_guard lock(mutex_);
  workers_.push_back(std::make_unique<worker_stats>());
  return *workers_.back();
}

// Called with mutex_ held.
void stats_registry::sum_vhosts(metrics_snapshot& out) const {
  for (std::uint32_t tenant = 1; tenant < max_metric_vhosts; ++tenant) {
    vhost_counts counts;
    bool any = false;
    for (const auto& w : workers_) {
      for (std::size_t c = 0; c < metric_status_classes; ++c) {
        counts.requests[c] += w->vhost_requests[tenant * metric_status_classes + c].get();
      }
      counts.response_bytes += w->vhost_response_bytes[tenant].get();
      counts.refused += w->vhost_refused[tenant].get();
      counts.bandwidth_waits += w->vhost_bandwidth_waits[tenant].get();
    }
    for (const auto n : counts.requests) any |= n != 0;
    if (!any && counts.refused == 0 && counts.bandwidth_waits == 0) continue;
    counts.name = tenant_name(tenant);
    out.vhosts.push_back(std::move(counts));
  }
}

void stats_registry::snapshot(metrics_snapshot& out, const secure_transport* tls) const {
  out = metrics_snapshot{};
  out.now = static_cast<std::int64_t>(std::time(nullptr));
  {
    const std::lock_guard lock(mutex_);
    out.workers = static_cast<unsigned>(workers_.size());
    for (const auto& w : workers_) {
      for (std::size_t p = 0; p < metric_protocols; ++p) {
        for (std::size_t m = 0; m < metric_methods; ++m) {
          for (std::size_t c = 0; c < metric_status_classes; ++c) {
            out.requests[p][m][c] += w->requests[(p * metric_methods + m) * metric_status_classes + c].get();
          }
        }
        out.response_bytes[p] += w->response_bytes[p].get();
        for (std::size_t b = 0; b < request_duration_buckets; ++b) {
          out.duration_buckets[p][b] += w->duration_buckets[p * request_duration_buckets + b].get();
        }
        out.duration_sum_seconds[p] += static_cast<double>(w->duration_sum_us[p].get()) / 1e6;
      }
      out.connections_open += w->connections_open.get();
      out.connections_accepted += w->connections_accepted.get();
      out.connections_refused += w->connections_refused.get();
      out.requests_inflight += w->requests_inflight.get();
      out.requests_queued += w->requests_queued.get();
      out.admission_limit += w->admission_limit.get();
      out.admission_rejected += w->admission_rejected.get();
      out.file_cache_hits += w->file_cache_hits.get();
      out.file_cache_misses += w->file_cache_misses.get();
      out.cpu_pressure = std::max(out.cpu_pressure, w->cpu_pressure.get());
      out.compression_lowered += w->compression_lowered.get();
      out.compression_skipped += w->compression_skipped.get();
      out.sendfile_bytes += w->sendfile_bytes.get();
      out.copy_bytes += w->copy_bytes.get();
      out.tls_handshakes += w->tls_handshakes.get();
      out.tls_handshake_failures += w->tls_handshake_failures.get();
    }
    sum_vhosts(out);
  }
  out.reloads_ok = reloads_ok_.load(std::memory_order_relaxed);
  out.reloads_failed = reloads_failed_.load(std::memory_order_relaxed);
  if (tls != nullptr) out.certificates = tls->certificate_expiries();
}

}  // namespace ferry
