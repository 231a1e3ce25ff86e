// Field values that tell a client its limit: RateLimit-Policy and RateLimit as in
// draft-ietf-httpapi-ratelimit-headers-11 (May 2026, sections 3 and 4: Structured Field Lists
// of a String naming the policy, with Integer parameters), and Retry-After for a denial.
//
//   RateLimit-Policy: "NAME";q=QUOTA;w=WINDOW      q = requests per period, w = the period
//   RateLimit: "NAME";r=REMAINING;t=RESET          r = decision.remaining, t = decision.reset
//   Retry-After: SECONDS                           decision.retry_after
//
// GCRA has no fixed window; the mapping reads "q requests per w seconds" as the policy's rate
// and "t" as the time until the key is back to a full burst. Durations are whole seconds
// rounded up (a client told 0 would retry at once); integers are capped at the Structured
// Field maximum (999,999,999,999,999).
//
// The functions append the value (not the field name) to `out`, so a caller can reuse one
// buffer; they allocate only when `out` must grow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "modules/rate_limit/gcra.hpp"

namespace ferry {

// Whether `name` can be sent as a policy name: 1 or more bytes of visible ASCII or space
// (0x20..0x7e), the sf-string alphabet. '"' and '\' are allowed and sent escaped.
bool is_valid_policy_name(std::string_view name);

// Appends `"NAME";q=REQUESTS;w=SECONDS`. Returns false and appends nothing when the name is
// not valid (see above): a control byte must never reach a header.
bool append_rate_limit_policy(std::string& out, std::string_view name, std::int64_t requests,
                              std::int64_t period_ns);

// Appends `"NAME";r=REMAINING;t=SECONDS`; false and nothing appended for an invalid name.
bool append_rate_limit(std::string& out, std::string_view name, const gcra_decision& decision);

// Appends the Retry-After delta-seconds for a denial: retry_after rounded up, at least 1.
void append_retry_after(std::string& out, const gcra_decision& decision);

// Nanoseconds as whole seconds, rounded up; negative durations are 0.
std::int64_t ceil_seconds(std::int64_t ns);

}  // namespace ferry
