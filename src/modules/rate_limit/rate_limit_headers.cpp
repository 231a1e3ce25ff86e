#include "modules/rate_limit/rate_limit_headers.hpp"

#include <algorithm>
#include <charconv>

namespace ferry {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;
constexpr std::int64_t max_sf_integer = 999'999'999'999'999;  // RFC 9651 section 3.3.1

void append_integer(std::string& out, std::int64_t value) {
  value = std::clamp<std::int64_t>(value, 0, max_sf_integer);
  char digits[20];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// An sf-string: DQUOTE *(unescaped / "\" DQUOTE / "\" "\") DQUOTE.
void append_sf_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

bool is_valid_policy_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool append_rate_limit_policy(std::string& out, std::string_view name, std::int64_t requests,
                              std::int64_t period_ns) {
  if (!is_valid_policy_name(name)) return false;
  append_sf_string(out, name);
  out.append(";q=");
  append_integer(out, requests);
  out.append(";w=");
  // The draft requires a window of at least one second.
  append_integer(out, std::max<std::int64_t>(ceil_seconds(period_ns), 1));
  return true;
}

bool append_rate_limit(std::string& out, std::string_view name, const gcra_decision& decision) {
  if (!is_valid_policy_name(name)) return false;
  append_sf_string(out, name);
  out.append(";r=");
  append_integer(out, decision.allowed ? decision.remaining : 0);
  out.append(";t=");
  append_integer(out, ceil_seconds(decision.reset_ns));
  return true;
}

void append_retry_after(std::string& out, const gcra_decision& decision) {
  append_integer(out, std::max<std::int64_t>(ceil_seconds(decision.retry_after_ns), 1));
}

std::int64_t ceil_seconds(std::int64_t ns) {
  if (ns <= 0) return 0;
  return ns / ns_per_second + (ns % ns_per_second != 0 ? 1 : 0);
}

}  // namespace ferry
