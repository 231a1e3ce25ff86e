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
  using callback = fixed_function<void(std::error_code, const gcra_decision&), 48>;

  static constexpr std::string_view default_key_prefix = "ferry:rl:";
  static constexpr std::size_t max_key_size = 1024;

  // Registers the script with `client`, which must outlive the store.
  explicit redis_rate_store(redis_client& client, std::string key_prefix = std::string(default_key_prefix));

  // Applies one request to `key` (prefixed) under `policy`. An error returned here (unavailable,
  // or invalid_command for an empty or oversized key or a policy outside gcra.hpp's ranges)
  // means `done` will never run.
  std::error_code decide(std::string_view key, const gcra_policy& policy, callback done);

  // The Lua script. KEYS[1]: the key; ARGV[1]: T (ns); ARGV[2]: burst; ARGV[3], optional: the
  // time (ns since the Unix epoch) to use instead of Redis' clock (for tests). Replies
  // {allowed (1/0), retry_after_ns, remaining, reset_ns}.
  static std::string_view script();

  const std::string& key_prefix() const { return key_prefix_; }

 private:
  redis_client& client_;
  std::string key_prefix_;
  redis_script_id script_;
  std::string key_;  // scratch: prefix + key, reused so a decision does not allocate for it
};

}  // namespace ferry
