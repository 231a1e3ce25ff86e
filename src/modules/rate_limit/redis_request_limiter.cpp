#include "modules/rate_limit/redis_request_limiter.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <utility>

#include "modules/rate_limit/local_request_limiter.hpp"  // shared_local_rate_store
#include "modules/rate_limit/redis_rate_store.hpp"

namespace ferry {
namespace {

// The metrics name the histogram's bounds in seconds; they must be the client's, in µs.
constexpr bool same_latency_bounds() {
  if (redis_client_stats::latency_bounds_us.size() != rate_limit_redis_stats::latency_bounds.size()) return false;
  for (std::size_t i = 0; i < rate_limit_redis_stats::latency_bounds.size(); ++i) {
    const double seconds = static_cast<double>(redis_client_stats::latency_bounds_us[i]) / 1e6;
    if (seconds != rate_limit_redis_stats::latency_bounds[i]) return false;
  }
  return true;
}
static_assert(same_latency_bounds());

// Marks a key whose client part was replaced by its digest. Like the ordinary separator (0x1f)
// it is a byte no limit name contains, so a digested key never equals an ordinary one.
constexpr char digest_separator = '\x1e';

// Redis keys are bounded (redis_rate_store::max_key_size with the prefix): a longer key (a
// header value can be kilobytes) keeps the limit's name and replaces the client part with the
// hex SHA-256 of it. Clients still get a bucket each; only the key's spelling changes.
void bound_key(std::string& key, std::size_t name_size, std::size_t max_size) {
  if (key.size() <= max_size) return;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const std::string_view client = std::string_view(key).substr(name_size + 1);
  if (EVP_Digest(client.data(), client.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    length = 0;  // cannot happen with SHA-256; the key is then the name alone (shared, still bounded)
  }
  key.resize(name_size);
  key.push_back(digest_separator);
  constexpr char hex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    key.push_back(hex[digest[i] >> 4]);
    key.push_back(hex[digest[i] & 0x0f]);
  }
}

class redis_limit_checker final : public limit_checker {
 public:
  redis_limit_checker(std::shared_ptr<const redis_request_limiter> owner, asio::io_context& io)
      : owner_(std::move(owner)) {
    const redis_limit_settings& redis = owner_->settings().redis;
    max_key_size_ = redis_rate_store::max_key_size - std::min(redis.key_prefix.size(), redis_rate_store::max_key_size);
    std::string error;
    client_ = redis_client::create(io, redis.client, error);
    if (client_) {
      store_ = std::make_unique<redis_rate_store>(*client_, redis.key_prefix);
      client_->start();
    }
    slots_.reserve(16);
    free_.reserve(16);
  }

  // Shuts the client down while the checker is whole: the pending calls fail with shut_down,
  // their limits are decided by the failure action and the waiters hear of it here.
  ~redis_limit_checker() override {
    if (client_) client_->shutdown();
  }

  redis_limit_checker(const redis_limit_checker&) = delete;
  redis_limit_checker& operator=(const redis_limit_checker&) = delete;

  std::shared_ptr<const redis_client_stats> client_stats() const {
    return client_ ? client_->shared_stats() : nullptr;
  }

  bool owes_decisions() const override { return free_.size() < slots_.size(); }

  bool check(const limit_request& in, limit_verdict& out) override {
    const rate_limit_settings& settings = owner_->settings();
    // Only with someone to tell later may a decision wait for Redis.
    const bool may_wait = in.waiter != nullptr && store_ != nullptr;
    const std::uint32_t index = acquire();
    pending_slot& slot = *slots_[index];
    slot.outstanding = 0;
    for (std::size_t i = 0; i < settings.limits.size(); ++i) {
      const limit_rule& rule = settings.limits[i];
      rule_state& state = slot.rules[i];
      state.outcome = rule_outcome::none;
      if (!limit_covers(rule, in) || !make_limit_key(rule, in, settings.prefixes, state.key)) continue;
      bound_key(state.key, rule.name.size(), max_key_size_);
      if (may_wait) {
        const auto rule_index = static_cast<std::uint32_t>(i);
        const std::error_code refused = store_->decide(
            state.key, rule.policy, [this, index, rule_index](std::error_code ec, const gcra_decision& d) {
              on_decided(index, rule_index, ec, d);
            });
        if (!refused) {
          state.outcome = rule_outcome::pending;
          ++slot.outstanding;
          continue;
        }
      }
      fall_back(state, rule);
    }
    if (slot.outstanding == 0) {
      form_verdict(slot, out);
      release(index);
      return true;
    }
    slot.waiter = in.waiter;
    slot.tag = in.tag;
    return false;
  }

 private:
  enum class rule_outcome : std::uint8_t {
    none,     // the rule does not cover the request (or it has no key value)
    pending,  // asked of Redis
    decided,  // `decision` holds the answer (from Redis or the local table)
    open,     // Redis could not decide; not counted
    closed,   // Redis could not decide; the request is refused with 503
  };

  struct rule_state {
    rule_outcome outcome = rule_outcome::none;
    gcra_decision decision;
    std::string key;  // kept for a fallback decision after an error
  };

  // One request whose decision is pending. Slots are reused: a warm checker allocates nothing
  // per request (the keys keep their capacity).
  struct pending_slot {
    std::vector<rule_state> rules;  // one per limit, in configuration order
    std::size_t outstanding = 0;    // calls not answered yet
    limit_waiter* waiter = nullptr;
    std::uint32_t tag = 0;
    limit_verdict verdict;
  };

  std::uint32_t acquire() {
    if (free_.empty()) {
      auto slot = std::make_unique<pending_slot>();
      slot->rules.resize(owner_->settings().limits.size());
      slots_.push_back(std::move(slot));
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t index = free_.back();
    free_.pop_back();
    return index;
  }

  void release(std::uint32_t index) { free_.push_back(index); }

  void fall_back(rule_state& state, const limit_rule& rule) {
    const redis_failure_action action = owner_->settings().redis.on_failure;
    owner_->count_fallback(action);
    switch (action) {
      case redis_failure_action::local:
        state.decision = owner_->fallback_store()->decide(state.key, limit_clock_ns(), rule.policy);
        state.outcome = rule_outcome::decided;
        return;
      case redis_failure_action::open:
        state.outcome = rule_outcome::open;
        return;
      case redis_failure_action::closed:
        state.outcome = rule_outcome::closed;
        return;
    }
  }

  // A known refusal wins (429 with its Retry-After); else an undecided limit under fail_closed
  // refuses with 503; else the nearest limit speaks, as with the local backend.
  void form_verdict(const pending_slot& slot, limit_verdict& out) {
    nearest_limit nearest;
    bool closed = false;
    for (std::size_t i = 0; i < slot.rules.size(); ++i) {
      const rule_state& state = slot.rules[i];
      if (state.outcome == rule_outcome::decided) nearest.offer(i, state.decision);
      closed |= state.outcome == rule_outcome::closed;
    }
    if (closed && !nearest.refused()) {
      out.clear();
      out.unavailable = true;
      out.retry_after = "1";
      return;
    }
    nearest.fill(owner_->settings(), owner_->refusals(), out);
  }

  void on_decided(std::uint32_t index, std::uint32_t rule, std::error_code ec, const gcra_decision& decision) {
    pending_slot& slot = *slots_[index];
    rule_state& state = slot.rules[rule];
    if (ec) {
      fall_back(state, owner_->settings().limits[rule]);
    } else {
      state.decision = decision;
      state.outcome = rule_outcome::decided;
    }
    if (--slot.outstanding != 0) return;
    form_verdict(slot, slot.verdict);
    // The slot stays taken while the waiter runs: should it check another request meanwhile,
    // that one gets a slot of its own.
    limit_waiter* waiter = std::exchange(slot.waiter, nullptr);
    waiter->limits_decided(slot.tag, slot.verdict);
    release(index);
  }

  std::shared_ptr<const redis_request_limiter> owner_;
  std::size_t max_key_size_ = 0;  // of a key without the prefix
  std::unique_ptr<redis_client> client_;
  std::unique_ptr<redis_rate_store> store_;
  // unique_ptr: a slot stays where it is while the pool grows (a waiter may check a request
  // while it is being told about another).
  std::vector<std::unique_ptr<pending_slot>> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace

void redis_request_limiter::client_totals::add(const redis_client_stats& stats) {
  calls += stats.calls.get();
  errors += stats.errors.get();
  timeouts += stats.timeouts.get();
  unavailable += stats.unavailable.get();
  reconnects += stats.reconnects.get();
  connections += stats.connections_up.get();
  for (std::size_t i = 0; i < latency_buckets.size(); ++i) latency_buckets[i] += stats.latency_buckets[i].get();
  latency_sum_us += stats.latency_sum_us.get();
}

redis_request_limiter::redis_request_limiter(rate_limit_settings settings)
    : settings_(std::move(settings)), refusals_(settings_.limits.size()) {
  if (settings_.redis.on_failure == redis_failure_action::local) {
    fallback_ = shared_local_rate_store(settings_.max_keys);
  }
}

std::unique_ptr<limit_checker> redis_request_limiter::make_checker(asio::io_context& io) const {
  auto checker = std::make_unique<redis_limit_checker>(shared_from_this(), io);
  if (auto stats = checker->client_stats()) remember_client(std::move(stats));
  return checker;
}

void redis_request_limiter::remember_client(std::shared_ptr<const redis_client_stats> stats) const {
  const std::lock_guard lock(clients_mutex_);
  // A client that is gone left its counters final (and its connection gauge at 0): fold them.
  // Only the list holds them then; the fence pairs with the release of the client's reference.
  std::erase_if(clients_, [this](const std::shared_ptr<const redis_client_stats>& client) {
    if (client.use_count() != 1) return false;
    std::atomic_thread_fence(std::memory_order_acquire);
    retired_.add(*client);
    return true;
  });
  clients_.push_back(std::move(stats));
}

rate_limit_stats redis_request_limiter::stats() const {
  rate_limit_stats out;
  refusals_.report(settings_, out);
  if (fallback_) {
    out.keys = fallback_->size();
    out.evictions = fallback_->evictions();
  }
  client_totals totals;
  {
    const std::lock_guard lock(clients_mutex_);
    totals = retired_;
    for (const auto& client : clients_) totals.add(*client);
  }
  rate_limit_redis_stats& redis = out.redis.emplace();
  redis.calls = totals.calls;
  redis.errors = totals.errors;
  redis.timeouts = totals.timeouts;
  redis.unavailable = totals.unavailable;
  redis.reconnects = totals.reconnects;
  redis.connections = totals.connections;
  redis.latency_buckets = totals.latency_buckets;
  redis.latency_sum_seconds = static_cast<double>(totals.latency_sum_us) / 1e6;
  const auto fallbacks = [this](redis_failure_action action) {
    return fallbacks_[static_cast<std::size_t>(action)].load(std::memory_order_relaxed);
  };
  redis.fallback_local = fallbacks(redis_failure_action::local);
  redis.fallback_open = fallbacks(redis_failure_action::open);
  redis.fallback_closed = fallbacks(redis_failure_action::closed);
  return out;
}

}  // namespace ferry
