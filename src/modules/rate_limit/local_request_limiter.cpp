#include "modules/rate_limit/local_request_limiter.hpp"

#include <mutex>
#include <string>

namespace ferry {
namespace {

class local_limit_checker final : public limit_checker {
 public:
  explicit local_limit_checker(std::shared_ptr<const local_request_limiter> owner) : owner_(std::move(owner)) {}

  bool check(const limit_request& in, limit_verdict& out) override {
    const rate_limit_settings& settings = owner_->settings();
    nearest_limit nearest;
    const std::int64_t now = limit_clock_ns();
    for (std::size_t i = 0; i < settings.limits.size(); ++i) {
      const limit_rule& rule = settings.limits[i];
      if (!limit_covers(rule, in) || !make_limit_key(rule, in, settings.prefixes, key_)) continue;
      nearest.offer(i, owner_->store().decide(key_, now, rule.policy));
    }
    nearest.fill(settings, owner_->refusals(), out);
    return true;
  }

 private:
  std::shared_ptr<const local_request_limiter> owner_;
  std::string key_;  // reused: no allocation per request once warm
};

}  // namespace

local_request_limiter::local_request_limiter(rate_limit_settings settings)
    : settings_(std::move(settings)),
      store_(shared_local_rate_store(settings_.max_keys)),
      refusals_(settings_.limits.size()) {}

rate_limit_stats local_request_limiter::stats() const {
  rate_limit_stats out;
  refusals_.report(settings_, out);
  out.keys = store_->size();
  out.evictions = store_->evictions();
  return out;
}

std::unique_ptr<limit_checker> local_request_limiter::make_checker(asio::io_context& /*io*/) const {
  // The checker keeps the settings and the store alive while a worker still runs an old site.
  return std::make_unique<local_limit_checker>(shared_from_this());
}

std::shared_ptr<local_rate_store> shared_local_rate_store(std::size_t max_keys) {
  static std::mutex mutex;
  static std::weak_ptr<local_rate_store> running;
  static std::size_t running_keys = 0;
  const std::lock_guard lock(mutex);
  if (auto store = running.lock(); store && running_keys == max_keys) return store;
  auto store = std::make_shared<local_rate_store>(max_keys);
  running = store;
  running_keys = max_keys;
  return store;
}

}  // namespace ferry
