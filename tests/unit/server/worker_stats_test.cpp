#include "server/worker_stats.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::microseconds;

std::uint64_t requests(const metrics_snapshot& s, metric_protocol p, metric_method m, std::size_t status_class) {
  return s.requests[static_cast<std::size_t>(p)][static_cast<std::size_t>(m)][status_class];
}

TEST(WorkerStats, RequestsByProtocolMethodAndStatusClass) {
  stats_registry registry;
  worker_stats& a = registry.add_worker();
  worker_stats& b = registry.add_worker();
  a.count_request(metric_protocol::http1_1, metric_method::get, 200, 100, microseconds(10));
  b.count_request(metric_protocol::http1_1, metric_method::get, 204, 0, microseconds(10));
  b.count_request(metric_protocol::http2, metric_method::head, 404, 0, microseconds(10));
  a.count_request(metric_protocol::http2, metric_method::other, 599, 7, microseconds(10));
  a.count_request(metric_protocol::http2, metric_method::other, 600, 0, microseconds(10));  // not a status
  a.count_request(metric_protocol::http2, metric_method::other, 99, 0, microseconds(10));

  metrics_snapshot s;
  registry.snapshot(s, nullptr);
  EXPECT_EQ(s.workers, 2u);
  EXPECT_EQ(requests(s, metric_protocol::http1_1, metric_method::get, 1), 2u);
  EXPECT_EQ(requests(s, metric_protocol::http2, metric_method::head, 3), 1u);
  EXPECT_EQ(requests(s, metric_protocol::http2, metric_method::other, 4), 1u);
  EXPECT_EQ(s.response_bytes[static_cast<std::size_t>(metric_protocol::http1_1)], 100u);
  EXPECT_EQ(s.response_bytes[static_cast<std::size_t>(metric_protocol::http2)], 7u);
}

TEST(WorkerStats, DurationBucketsIncludeTheirUpperBound) {
  stats_registry registry;
  worker_stats& w = registry.add_worker();
  const auto p = metric_protocol::http1_0;
  w.count_request(p, metric_method::get, 200, 0, microseconds(500));      // = 0.0005: first bucket
  w.count_request(p, metric_method::get, 200, 0, microseconds(501));      // second
  w.count_request(p, metric_method::get, 200, 0, microseconds(0));        // first
  w.count_request(p, metric_method::get, 200, 0, microseconds(20'000'000));  // above 10 s: +Inf
  metrics_snapshot s;
  registry.snapshot(s, nullptr);
  const auto& buckets = s.duration_buckets[static_cast<std::size_t>(p)];
  EXPECT_EQ(buckets[0], 2u);
  EXPECT_EQ(buckets[1], 1u);
  EXPECT_EQ(buckets[request_duration_buckets - 1], 1u);
  EXPECT_DOUBLE_EQ(s.duration_sum_seconds[static_cast<std::size_t>(p)], 20.001001);
}

TEST(WorkerStats, GaugesCountersAndReloadsAreSummed) {
  stats_registry registry;
  worker_stats& a = registry.add_worker();
  worker_stats& b = registry.add_worker();
  a.connections_open.set(3);
  b.connections_open.set(4);
  a.sendfile_bytes.add(10);
  b.copy_bytes.add(5);
  b.tls_handshake_failures.add(2);
  registry.count_reload(true);
  registry.count_reload(false);
  registry.count_reload(true);
  metrics_snapshot s;
  registry.snapshot(s, nullptr);
  EXPECT_EQ(s.connections_open, 7u);
  EXPECT_EQ(s.sendfile_bytes, 10u);
  EXPECT_EQ(s.copy_bytes, 5u);
  EXPECT_EQ(s.tls_handshake_failures, 2u);
  EXPECT_EQ(s.reloads_ok, 2u);
  EXPECT_EQ(s.reloads_failed, 1u);
  registry.remove_worker(a);
  registry.snapshot(s, nullptr);
  EXPECT_EQ(s.workers, 1u);
  EXPECT_EQ(s.connections_open, 4u);
}

TEST(WorkerStats, MethodLabels) {
  EXPECT_EQ(metric_method_of("GET"), metric_method::get);
  EXPECT_EQ(metric_method_of("HEAD"), metric_method::head);
  EXPECT_EQ(metric_method_of("OPTIONS"), metric_method::options);
  EXPECT_EQ(metric_method_of("get"), metric_method::other);  // methods are case-sensitive
  EXPECT_EQ(metric_method_of("DELETE"), metric_method::other);
  EXPECT_EQ(metric_method_of(""), metric_method::other);
}

}  // namespace
}  // namespace ferry
