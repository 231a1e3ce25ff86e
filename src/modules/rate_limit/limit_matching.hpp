// What every rate-limit backend does the same way: which limits cover a request, the key a
// request is counted under, and how the decisions of the covering limits become one verdict
// (the limit nearest to refusing speaks for all of them). The local and the Redis limiters
// differ only in where a decision is made.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modules/rate_limit/gcra.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "modules/request_limits.hpp"

namespace ferry {

// Whether `rule` applies to the request's vhost and path.
bool limit_covers(const limit_rule& rule, const limit_request& in);

// The key `rule` counts `in` under, into `key` (reused, so no allocation once warm): the
// limit's name, a separator no name contains, then the client's part. False when the request
// has no value for the rule's key (anonymous for `principal`, header absent for `header:`):
// such a request is not counted by that rule.
bool make_limit_key(const limit_rule& rule, const limit_request& in, const client_key_prefixes& prefixes,
                    std::string& key);

// The clock local decisions use (nanoseconds, monotonic).
std::int64_t limit_clock_ns();

// Requests refused per limit, for the metrics. Thread-safe.
class limit_refusal_counts {
 public:
  explicit limit_refusal_counts(std::size_t limits);
  void count(std::size_t index) { counts_[index].fetch_add(1, std::memory_order_relaxed); }
  // One entry per limit of `settings`, in order.
  void report(const rate_limit_settings& settings, rate_limit_stats& out) const;

 private:
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
};

// Picks, among the decisions of the limits covering one request (offered in rule order), the
// one nearest to refusing: a refusal, else the fewest requests left; the first on a tie.
class nearest_limit {
 public:
  void offer(std::size_t index, const gcra_decision& decision) {
    const bool nearer = !found_ || (!decision.allowed && decision_.allowed) ||
                        (decision.allowed == decision_.allowed && decision.remaining < decision_.remaining);
    if (!nearer) return;
    found_ = true;
    index_ = index;
    decision_ = decision;
  }

  bool found() const { return found_; }
  bool refused() const { return found_ && !decision_.allowed; }

  // The verdict (cleared first): 429 with Retry-After when the nearest limit refused (counted
  // in `refusals`), and its RateLimit-Policy and RateLimit values when settings.headers.
  // Nothing when no limit covered the request.
  void fill(const rate_limit_settings& settings, limit_refusal_counts& refusals, limit_verdict& out) const;

 private:
  bool found_ = false;
  std::size_t index_ = 0;
  gcra_decision decision_;
};

}  // namespace ferry
