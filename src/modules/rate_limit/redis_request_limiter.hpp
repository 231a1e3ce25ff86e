// Rate limits shared by a fleet (rate_limit.backend = "redis"): every decision is a GCRA script
// run by Redis (redis_rate_store), so all instances using one Redis enforce one limit. Each
// worker's checker has its own redis_client on the worker's io_context; the calls for one
// request go out together (pipelined) and the verdict is formed when the last one answers.
//
// When Redis cannot decide a limit (no connection, timeout, error reply, shut down), the
// configured failure action decides it instead: the process-local table (the same one the local
// backend uses, so each instance enforces the limit alone while Redis is away), let it through,
// or refuse the request with 503.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "modules/rate_limit/limit_matching.hpp"
#include "modules/rate_limit/local_rate_store.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "modules/rate_limit/redis_client.hpp"
#include "modules/request_limits.hpp"

namespace ferry {

class redis_request_limiter final : public request_limiter,
                                    public std::enable_shared_from_this<redis_request_limiter> {
 public:
  // Own it with a shared_ptr: checkers keep it alive. Connects to nothing until make_checker.
  explicit redis_request_limiter(rate_limit_settings settings);

  // Creates this worker's client on `io` and starts connecting. Until a connection is up (and
  // whenever none is) decisions are made at once by the failure action. Should the client not
  // be creatable (its TLS files vanished since the configuration was loaded), the checker
  // decides everything that way.
  std::unique_ptr<limit_checker> make_checker(asio::io_context& io) const override;
  // Refusals per limit, the local fallback table's size, and the Redis part: every client's
  // counters summed (those of destroyed clients included) and the fallbacks by action.
  rate_limit_stats stats() const override;

  const rate_limit_settings& settings() const { return settings_; }
  // The process-local table; null unless the failure action is `local`.
  local_rate_store* fallback_store() const { return fallback_.get(); }
  limit_refusal_counts& refusals() const { return refusals_; }
  void count_fallback(redis_failure_action action) const {
    fallbacks_[static_cast<std::size_t>(action)].fetch_add(1, std::memory_order_relaxed);
  }

 private:
  // Counters of clients that are gone, folded together so the list of live ones stays short.
  struct client_totals {
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t unavailable = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t connections = 0;
    std::array<std::uint64_t, redis_client_stats::latency_bounds_us.size() + 1> latency_buckets{};
    std::uint64_t latency_sum_us = 0;

    void add(const redis_client_stats& stats);
  };

  void remember_client(std::shared_ptr<const redis_client_stats> stats) const;

  rate_limit_settings settings_;
  std::shared_ptr<local_rate_store> fallback_;
  mutable limit_refusal_counts refusals_;
  mutable std::array<std::atomic<std::uint64_t>, 3> fallbacks_{};  // by redis_failure_action
  mutable std::mutex clients_mutex_;
  mutable std::vector<std::shared_ptr<const redis_client_stats>> clients_;  // one per checker made
  mutable client_totals retired_;
};

}  // namespace ferry
