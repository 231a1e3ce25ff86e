#include "modules/rate_limit/local_request_limiter.hpp"

#include <chrono>
#include <mutex>
#include <string>

#include "modules/rate_limit/rate_limit_headers.hpp"

namespace ferry {
namespace {

// Separates the limit's name from the client's part of a key: a byte no name contains.
constexpr char key_separator = '\x1f';

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class local_limit_checker final : public limit_checker {
 public:
  explicit local_limit_checker(std::shared_ptr<const local_request_limiter> owner) : owner_(std::move(owner)) {}

  void check(const limit_request& in, limit_verdict& out) override {
    out.clear();
    const rate_limit_settings& settings = owner_->settings();
    const limit_rule* closest = nullptr;
    gcra_decision closest_decision;
    const std::int64_t now = monotonic_ns();
    for (const limit_rule& rule : settings.limits) {
      if (rule.vhost != "*" && rule.vhost != in.vhost) continue;
      if (!rule.every_path && !rule.path.matches(in.path)) continue;
      if (!make_key(rule, in, settings)) continue;  // nothing to count this request by
      const gcra_decision decision = owner_->store().decide(key_, now, rule.policy);
      // Report the limit nearest to refusing: a refusal, else the fewest requests left.
      const bool nearer = closest == nullptr || (!decision.allowed && closest_decision.allowed) ||
                          (decision.allowed == closest_decision.allowed && decision.remaining < closest_decision.remaining);
      if (nearer) {
        closest = &rule;
        closest_decision = decision;
      }
    }
    if (closest == nullptr) return;
    out.limited = !closest_decision.allowed;
    if (out.limited) {
      owner_->count_refusal(static_cast<std::size_t>(closest - settings.limits.data()));
      append_retry_after(out.retry_after, closest_decision);
    }
    if (settings.headers) {
      out.policy = closest->policy_header;
      append_rate_limit(out.state, closest->name, closest_decision);
    }
  }

 private:
  // The store key for this rule and request into key_; false when the request has no value
  // for the rule's key (anonymous for `principal`, header absent for `header:`).
  bool make_key(const limit_rule& rule, const limit_request& in, const rate_limit_settings& settings) {
    key_.assign(rule.name);
    key_.push_back(key_separator);
    switch (rule.key) {
      case limit_key_kind::client_address: {
        const client_key grouped = make_client_key(in.remote_address, settings.prefixes);
        key_.append(grouped.valid() ? grouped.text() : in.remote_address);
        return true;
      }
      case limit_key_kind::principal:
        if (in.principal.empty()) return false;
        key_.append(in.principal);
        return true;
      case limit_key_kind::header: {
        bool found = false;
        const std::string_view value = in.req != nullptr ? in.req->header(rule.header, &found) : std::string_view();
        if (!found) return false;
        key_.append(value);
        return true;
      }
    }
    return false;
  }

  std::shared_ptr<const local_request_limiter> owner_;
  std::string key_;  // reused: no allocation per request once warm
};

}  // namespace

local_request_limiter::local_request_limiter(rate_limit_settings settings)
    : settings_(std::move(settings)),
      store_(shared_local_rate_store(settings_.max_keys)),
      refusals_(std::make_unique<std::atomic<std::uint64_t>[]>(settings_.limits.size())) {}

rate_limit_stats local_request_limiter::stats() const {
  rate_limit_stats out;
  for (std::size_t i = 0; i < settings_.limits.size(); ++i) {
    out.limits.push_back({settings_.limits[i].name, refusals_[i].load(std::memory_order_relaxed)});
  }
  out.keys = store_->size();
  out.evictions = store_->evictions();
  return out;
}

std::unique_ptr<limit_checker> local_request_limiter::make_checker() const {
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
