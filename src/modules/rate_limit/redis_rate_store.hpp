// GCRA decisions kept in Redis, for a fleet of ferry instances sharing limits: one EVALSHA per
// decision, the rule of gcra.hpp applied by a Lua script on Redis' own clock (so every
// instance reads the same time), the key expiring when its TAT has passed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "modules/rate_limit/gcra.hpp"
#include "modules/rate_limit/redis_client.hpp"

namespace ferry {

class redis_rate_store {
 public:
  // Runs exactly once for every decide() that returned no error: with the decision (ec
  // empty), or with the error (the decision is then a default one and must not be used).
  // Never runs inside decide().
  using callback = fixed_function<void(std::error_code, const gcra_decision&), 32>;

  static constexpr std::string_view default_key_prefix = "ferry:rl:";
  static constexpr std::size_t max_key_size = 1024;

  // Registers the script with `client`, which must outlive the store, and must fail the
  // pending calls (shutdown()) before the store goes away: their callbacks use the store.
  explicit redis_rate_store(redis_client& client, std::string key_prefix = std::string(default_key_prefix));

  // Applies one request to `key` (prefixed) under `policy`. An error returned here (unavailable,
  // or invalid_command for an empty or oversized key or a policy outside gcra.hpp's ranges)
  // means `done` will never run.
  std::error_code decide(std::string_view key, const gcra_policy& policy, callback done);

  // A call that Redis runs after its deadline (the client's timeout, converted to Redis' clock
  // from earlier replies) charges nothing and fails with timeout, so a request the caller
  // already decided without Redis (its fallback) is never counted a second time when a stalled
  // Redis catches up. Until a first reply has told Redis' clock, calls go without a deadline.
  //
  // The Lua script. KEYS[1]: the key; ARGV[1]: T (ns); ARGV[2]: burst; ARGV[3], optional: the
  // time (ns since the Unix epoch) to use instead of Redis' clock (for tests; "" for Redis'
  // clock); ARGV[4], optional: the deadline on that clock. Replies {allowed (1/0),
  // retry_after_ns, remaining, reset_ns, now_s, now_ns}, or {2, 0, 0, 0, now_s, now_ns} past
  // the deadline (nothing charged).
  static std::string_view script();

  const std::string& key_prefix() const { return key_prefix_; }

 private:
  std::error_code take_reply(const redis_reply* reply, gcra_decision& decision);
  void learn_redis_clock(std::int64_t redis_now_ns);

  redis_client& client_;
  std::string key_prefix_;
  // Redis' clock minus redis_client::clock, in ns, once a reply has told it.
  bool redis_clock_known_ = false;
  std::int64_t redis_offset_ns_ = 0;
  std::int64_t offset_learned_at_ns_ = 0;
  redis_script_id script_;
  std::string key_;  // scratch: prefix + key, reused so a decision does not allocate for it
};

}  // namespace ferry
