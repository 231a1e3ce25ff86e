#include "modules/auth/policy_condition.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

namespace ferry {
namespace {

constexpr std::array<std::string_view, 7> day_names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::int64_t minutes_per_day = 24 * 60;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_day(std::string_view text, unsigned& out) {
  for (std::size_t i = 0; i < day_names.size(); ++i) {
    if (iequals(text, day_names[i])) {
      out = static_cast<unsigned>(i);
      return true;
    }
  }
  return false;
}

bool parse_two_digits(std::string_view text, unsigned& out) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') return false;
  out = static_cast<unsigned>(text[0] - '0') * 10 + static_cast<unsigned>(text[1] - '0');
  return true;
}

// "HH:MM" → minutes since midnight; "24:00" only when `allow_end_of_day`.
bool parse_clock(std::string_view text, bool allow_end_of_day, std::uint16_t& out) {
  unsigned hours = 0;
  unsigned minutes = 0;
  if (text.size() != 5 || text[2] != ':') return false;
  if (!parse_two_digits(text.substr(0, 2), hours) || !parse_two_digits(text.substr(3, 2), minutes)) return false;
  if (minutes > 59) return false;
  if (hours == 24 && minutes == 0 && allow_end_of_day) {
    out = static_cast<std::uint16_t>(minutes_per_day);
    return true;
  }
  if (hours > 23) return false;
  out = static_cast<std::uint16_t>(hours * 60 + minutes);
  return true;
}

// Floor division: the minute count can be negative before 1970.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

bool policy_time_window::contains(std::int64_t unix_minutes) const {
  const std::int64_t local = unix_minutes + utc_offset_minutes;
  const std::int64_t day = floor_div(local, minutes_per_day);
  const std::int64_t minute = local - day * minutes_per_day;
  // 1970-01-01 was a Thursday (4 with Sunday = 0).
  const auto weekday = static_cast<unsigned>(((day % 7) + 7 + 4) % 7);
  const auto day_listed = [this](unsigned d) { return ((days >> d) & 1U) != 0; };
  if (start_minute < end_minute) return minute >= start_minute && minute < end_minute && day_listed(weekday);
  // Wrapping past midnight: the evening part belongs to today, the morning part to yesterday.
  if (minute >= start_minute) return day_listed(weekday);
  if (minute < end_minute) return day_listed((weekday + 6) % 7);
  return false;
}

parsed<policy_time_window> parse_time_window(std::string_view days, std::string_view hours, std::string_view zone) {
  parsed<policy_time_window> result;
  policy_time_window& w = result.value;

  days = trim(days);
  if (!days.empty() && days != "*") {
    w.days = 0;
    while (true) {
      const std::size_t comma = days.find(',');
      const std::string_view item = trim(days.substr(0, comma));
      const std::size_t dash = item.find('-');
      unsigned first = 0;
      unsigned last = 0;
      const bool ok = dash == std::string_view::npos
                          ? parse_day(item, first) && parse_day(item, last)
                          : parse_day(item.substr(0, dash), first) && parse_day(item.substr(dash + 1), last);
      if (!ok) {
        result.error = "days must be \"*\" or a list of mon, tue, wed, thu, fri, sat, sun and ranges such as \"mon-fri\"";
        return result;
      }
      // A range may wrap around the week: "fri-mon" is Friday to Monday.
      for (unsigned d = first;; d = (d + 1) % 7) {
        w.days = static_cast<std::uint8_t>(w.days | (1U << d));
        if (d == last) break;
      }
      if (comma == std::string_view::npos) break;
      days.remove_prefix(comma + 1);
    }
  }

  const std::size_t dash = hours.find('-');
  if (dash == std::string_view::npos || !parse_clock(hours.substr(0, dash), false, w.start_minute) ||
      !parse_clock(hours.substr(dash + 1), true, w.end_minute)) {
    result.error = "hours must be \"HH:MM-HH:MM\" on a 24-hour clock, such as \"09:00-17:30\"";
    return result;
  }
  if (w.start_minute == w.end_minute) {
    result.error = "hours must not start and end at the same time (use \"00:00-24:00\" for the whole day)";
    return result;
  }

  if (zone.empty() || zone == "UTC" || zone == "Z") return result;
  unsigned zh = 0;
  unsigned zm = 0;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
      !parse_two_digits(zone.substr(1, 2), zh) || !parse_two_digits(zone.substr(4, 2), zm) || zm > 59 ||
      zh * 60 + zm > 14 * 60) {
    result.error = "zone must be \"UTC\" or a fixed offset from \"-14:00\" to \"+14:00\"";
    return result;
  }
  const int offset = static_cast<int>(zh * 60 + zm);
  w.utc_offset_minutes = static_cast<std::int16_t>(zone[0] == '-' ? -offset : offset);
  return result;
}

policy_condition policy_condition::claim_equals(std::string name, std::string value) {
  policy_condition c(kind::claim_equals);
  c.name_ = std::move(name);
  c.value_ = std::move(value);
  return c;
}

policy_condition policy_condition::claim_in(std::string name, std::vector<std::string> values) {
  policy_condition c(kind::claim_in);
  c.name_ = std::move(name);
  c.values_ = std::move(values);
  return c;
}

policy_condition policy_condition::claim_contains(std::string name, std::string value) {
  policy_condition c(kind::claim_contains);
  c.name_ = std::move(name);
  c.value_ = std::move(value);
  return c;
}

policy_condition policy_condition::tenant_equals(std::string tenant) {
  policy_condition c(kind::tenant_equals);
  c.value_ = std::move(tenant);
  return c;
}

policy_condition policy_condition::client_address_in(cidr_list addresses) {
  policy_condition c(kind::client_address_in);
  c.addresses_ = std::move(addresses);
  return c;
}

policy_condition policy_condition::tls_present(bool expected) {
  policy_condition c(kind::tls);
  c.expected_ = expected;
  return c;
}

policy_condition policy_condition::time_in(policy_time_window window) {
  policy_condition c(kind::time_window);
  c.window_ = window;
  return c;
}

policy_condition policy_condition::header_equals(std::string name, std::string value) {
  policy_condition c(kind::header_equals);
  c.name_ = std::move(name);
  c.value_ = std::move(value);
  return c;
}

policy_condition policy_condition::header_prefix(std::string name, std::string prefix) {
  policy_condition c(kind::header_prefix);
  c.name_ = std::move(name);
  c.value_ = std::move(prefix);
  return c;
}

policy_condition policy_condition::all_of(std::vector<policy_condition> children) {
  policy_condition c(kind::all);
  c.children_ = std::move(children);
  return c;
}

policy_condition policy_condition::any_of(std::vector<policy_condition> children) {
  policy_condition c(kind::any);
  c.children_ = std::move(children);
  return c;
}

policy_condition policy_condition::negation_of(policy_condition child) {
  policy_condition c(kind::negation);
  c.children_.push_back(std::move(child));
  return c;
}

// depth() and node_count() recurse, so validate() checks them top-down with a budget rather than
// trusting a tree that might be deep enough to exhaust the stack.
namespace {

bool within_limits(const policy_condition& c, std::size_t depth, std::size_t& nodes) {
  if (depth > max_condition_depth || ++nodes > max_condition_nodes) return false;
  for (const policy_condition& child : c.children()) {
    if (!within_limits(child, depth + 1, nodes)) return false;
  }
  return true;
}

}  // namespace

std::string policy_condition::validate() const {
  std::size_t nodes = 0;
  if (!within_limits(*this, 1, nodes)) {
    return "conditions may nest at most " + std::to_string(max_condition_depth) + " deep and have at most " +
           std::to_string(max_condition_nodes) + " tests in all";
  }
  switch (kind_) {
    case kind::claim_equals:
    case kind::claim_in:
    case kind::claim_contains:
      if (name_.empty()) return "a claim condition needs the claim's name";
      break;
    case kind::header_equals:
    case kind::header_prefix:
      if (name_.empty()) return "a header condition needs the header's name";
      break;
    case kind::tenant_equals:
      if (value_.empty()) return "a tenant condition needs the tenant";
      break;
    case kind::client_address_in:
      if (addresses_.empty()) return "an address condition needs at least one network";
      break;
    case kind::negation:
      if (children_.size() != 1) return "\"not\" takes exactly one condition";
      break;
    case kind::tls:
    case kind::time_window:
    case kind::all:
    case kind::any:
      break;
  }
  for (const policy_condition& child : children_) {
    std::string error = child.validate();
    if (!error.empty()) return error;
  }
  return {};
}

std::size_t policy_condition::depth() const {
  std::size_t deepest = 0;
  for (const policy_condition& child : children_) deepest = std::max(deepest, child.depth());
  return deepest + 1;
}

std::size_t policy_condition::node_count() const {
  std::size_t n = 1;
  for (const policy_condition& child : children_) n += child.node_count();
  return n;
}

bool policy_condition::uses_principal() const {
  switch (kind_) {
    case kind::claim_equals:
    case kind::claim_in:
    case kind::claim_contains:
    case kind::tenant_equals:
      return true;
    default:
      return std::any_of(children_.begin(), children_.end(),
                         [](const policy_condition& c) { return c.uses_principal(); });
  }
}

bool policy_condition::holds(const principal& who, const request_attributes& request) const {
  switch (kind_) {
    case kind::claim_equals: {
      const std::string* v = who.claim(name_);
      return v != nullptr && *v == value_;
    }
    case kind::claim_in: {
      const std::string* v = who.claim(name_);
      return v != nullptr && std::find(values_.begin(), values_.end(), *v) != values_.end();
    }
    case kind::claim_contains: {
      if (const std::vector<std::string>* list = who.list_claim(name_)) {
        if (std::find(list->begin(), list->end(), value_) != list->end()) return true;
      }
      const std::string* v = who.claim(name_);
      return v != nullptr && *v == value_;
    }
    case kind::tenant_equals:
      return !who.tenant.empty() && who.tenant == value_;
    case kind::client_address_in:
      return addresses_.allows(request.client_address);
    case kind::tls:
      return request.tls == expected_;
    case kind::time_window: {
      const auto minutes = std::chrono::floor<std::chrono::minutes>(request.now.time_since_epoch()).count();
      return window_.contains(static_cast<std::int64_t>(minutes));
    }
    case kind::header_equals: {
      std::string_view v;
      return request.single_header(name_, v) && v == value_;
    }
    case kind::header_prefix: {
      std::string_view v;
      return request.single_header(name_, v) && v.starts_with(value_);
    }
    case kind::all:
      return std::all_of(children_.begin(), children_.end(),
                         [&](const policy_condition& c) { return c.holds(who, request); });
    case kind::any:
      return std::any_of(children_.begin(), children_.end(),
                         [&](const policy_condition& c) { return c.holds(who, request); });
    case kind::negation:
      return children_.size() == 1 && !children_.front().holds(who, request);
  }
  return false;
}

}  // namespace ferry
