// Conditional requests (RFC 9110 §13).
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace ferry {

struct validators {
  std::string_view etag;  // strong entity tag with quotes, e.g. "\"5f1c-2a\""
  std::time_t last_modified = 0;
};

struct conditional_headers {
  std::optional<std::string_view> if_match;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> if_unmodified_since;
};

enum class precondition { proceed, not_modified, failed };

// Evaluates the preconditions in the order of RFC 9110 §13.2.2. If-Match uses strong
// comparison, If-None-Match weak comparison; both accept lists and "*". If-Unmodified-Since
// is ignored when If-Match is present, If-Modified-Since when If-None-Match is present, and an
// unparseable date is ignored. not_modified only for GET/HEAD (`get_or_head`); for other
// methods a matching If-None-Match is `failed`.
precondition evaluate_preconditions(const conditional_headers& headers, const validators& current,
                                    bool get_or_head);

// If-Range (§13.1.5): true when the range may be applied: a strong ETag that matches exactly,
// or an HTTP-date equal to last_modified. A weak tag or anything unparseable: false.
bool if_range_matches(std::string_view if_range, const validators& current);

}  // namespace ferry
