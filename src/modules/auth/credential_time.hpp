// Expiry times in credential files and config: Unix seconds or an RFC 3339 timestamp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ferry::credential {

// Accepts either
//   - Unix seconds: 1 to 12 digits, no sign, no leading zero (except "0"), or
//   - RFC 3339 §5.6 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), 'T'/'Z' in either
//     case; fractional seconds are truncated; the date must exist (leap years checked);
//     second 60 (a leap second) is refused.
// Returns Unix seconds, or nullopt when the text is neither.
std::optional<std::int64_t> parse_expiry(std::string_view text);

}  // namespace ferry::credential
