#include "modules/rate_limit/gcra.hpp"

#include <limits>

namespace ferry {
namespace {

constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min_i64 = std::numeric_limits<std::int64_t>::min();

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? max_i64 : min_i64;
  return sum;
}

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return b < 0 ? max_i64 : min_i64;
  return difference;
}

}  // namespace

gcra_policy gcra_policy::per_period(std::int64_t requests, std::int64_t period_ns,
                                    std::int64_t burst) {
  // Defensive clamps: the config validated the ranges, but a zero T would divide by zero below.
  if (requests < 1) requests = 1;
  gcra_policy policy;
  policy.emission_interval_ns = period_ns / requests;
  if (policy.emission_interval_ns < 1) policy.emission_interval_ns = 1;
  policy.burst = burst < 1 ? 1 : burst;
  return policy;
}

// The header's formulas, rearranged so that no intermediate leaves int64. With
// d = tat - now >= 0 and k = ceil(d / T) (intervals still owed):
//   now >= allow_at  <=>  d <= (burst - 1) * T  <=>  k <= burst - 1
//   remaining = floor(((burst - 1) * T - d) / T) = burst - 1 - k
//   retry_after = allow_at - now = d - (burst - 1) * T   (only when denied, so < d: no overflow)
// The one sum that can exceed int64 (new_tat = tat + T, and reset = d + T with it) saturates at
// INT64_MAX; that happens only for periods of centuries, where every later request is denied
// anyway. A stored TAT below `now` (including a negative one) counts as `now`.
gcra_decision gcra_apply(std::int64_t& tat_ns, std::int64_t now_ns, const gcra_policy& policy) {
  const std::int64_t t = policy.emission_interval_ns < 1 ? 1 : policy.emission_interval_ns;
  const std::int64_t burst = policy.burst < 1 ? 1 : policy.burst;
  const std::int64_t tat = tat_ns > now_ns ? tat_ns : now_ns;
  const std::int64_t owed = saturating_sub(tat, now_ns);  // exact for now_ns >= 0
  const std::int64_t intervals = owed / t + (owed % t != 0 ? 1 : 0);

  gcra_decision decision;
  if (intervals > burst - 1) {
    decision.allowed = false;
    decision.retry_after_ns = owed - (burst - 1) * t;
    decision.remaining = 0;
    decision.reset_ns = owed;
    return decision;
  }
  tat_ns = saturating_add(tat, t);
  decision.allowed = true;
  decision.retry_after_ns = 0;
  decision.remaining = burst - 1 - intervals;
  decision.reset_ns = saturating_sub(tat_ns, now_ns);
  return decision;
}

}  // namespace ferry
