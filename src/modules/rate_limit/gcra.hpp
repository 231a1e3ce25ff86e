// The generic cell rate algorithm (GCRA), the one rule both stores apply: the local sharded
// table in C++ and Redis in a Lua script must decide identically for the same inputs.
//
// A policy admits `burst` requests at once and then one per `emission_interval`. A key's whole
// state is its theoretical arrival time (TAT, nanoseconds on the store's clock):
//   tat      = max(stored_tat, now)
//   new_tat  = tat + T
//   allow_at = new_tat - burst * T
//   now <  allow_at: denied;  retry_after = allow_at - now, remaining = 0, reset = tat - now
//   now >= allow_at: allowed; store new_tat, remaining = floor((now - allow_at) / T),
//                    reset = new_tat - now
// A stored TAT at or before `now` says nothing a missing key would not, so a key may be
// forgotten once its TAT has passed (that is what bounds both stores' memory).
#pragma once

#include <cstdint>

namespace ferry {

struct gcra_policy {
  std::int64_t emission_interval_ns = 1'000'000'000;  // T: one request per this, > 0
  std::int64_t burst = 1;                             // requests admitted at once, >= 1

  // `requests` per `period_ns` with a burst of `burst` (the caller validated the ranges:
  // requests >= 1, period_ns >= requests, burst >= 1).
  static gcra_policy per_period(std::int64_t requests, std::int64_t period_ns, std::int64_t burst);
};

struct gcra_decision {
  bool allowed = true;
  std::int64_t retry_after_ns = 0;  // denied: wait this long before the next request is admitted
  std::int64_t remaining = 0;       // requests that would still be admitted right now
  std::int64_t reset_ns = 0;        // until the key is back to a full burst
};

// Applies one request to a key whose TAT is `tat_ns` (0 for a key never seen) at `now_ns`;
// updates `tat_ns` only when the request is allowed. Never overflows for now_ns in
// [0, 2^62) and the ranges above.
gcra_decision gcra_apply(std::int64_t& tat_ns, std::int64_t now_ns, const gcra_policy& policy);

}  // namespace ferry
