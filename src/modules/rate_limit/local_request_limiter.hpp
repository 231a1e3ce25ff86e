// Rate limits decided in this process: every worker counts into one local_rate_store (exact
// across workers). The store outlives configurations: a reload that keeps a limit's name keeps
// its clients' state, so SIGHUP never hands everyone a fresh burst.
#pragma once

#include <cstddef>
#include <memory>

#include "modules/rate_limit/limit_matching.hpp"
#include "modules/rate_limit/local_rate_store.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "modules/request_limits.hpp"

namespace ferry {

class local_request_limiter final : public request_limiter,
                                    public std::enable_shared_from_this<local_request_limiter> {
 public:
  // Own it with a shared_ptr: checkers keep it alive.
  explicit local_request_limiter(rate_limit_settings settings);

  std::unique_ptr<limit_checker> make_checker(asio::io_context& io) const override;
  rate_limit_stats stats() const override;
  // A request refused by the limit at `index` in settings().limits.
  void count_refusal(std::size_t index) const { refusals_.count(index); }
  limit_refusal_counts& refusals() const { return refusals_; }

  const rate_limit_settings& settings() const { return settings_; }
  local_rate_store& store() const { return *store_; }

 private:
  rate_limit_settings settings_;
  std::shared_ptr<local_rate_store> store_;
  mutable limit_refusal_counts refusals_;
};

// The process's store for `max_keys`: the running one when its capacity matches, else a new one.
std::shared_ptr<local_rate_store> shared_local_rate_store(std::size_t max_keys);

}  // namespace ferry
