// ABAC conditions attached to an authorization rule: tests on the principal's claims and tenant,
// the client address, TLS, the time of day and request headers, combined with all / any / not.
// Built once from the config; evaluation reads only, never allocates, and is bounded: a tree is
// at most max_condition_depth deep and max_condition_nodes large (checked by validate()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/toml_values.hpp"
#include "config/cidr_list.hpp"
#include "modules/auth/policy_types.hpp"

namespace ferry {

inline constexpr std::size_t max_condition_depth = 8;
inline constexpr std::size_t max_condition_nodes = 256;

// Days of the week and a time of day, in UTC or at a fixed offset from it (no time zones with
// daylight saving: a fixed offset cannot change under you at 2 a.m.).
struct policy_time_window {
  std::uint8_t days = 0x7f;             // bit 0 = Sunday ... bit 6 = Saturday
  std::uint16_t start_minute = 0;       // 0..1439, inclusive
  std::uint16_t end_minute = 24 * 60;   // 1..1440, exclusive
  std::int16_t utc_offset_minutes = 0;  // -14:00..+14:00

  // When end < start the window wraps past midnight ("22:00-06:00"); the part after midnight
  // belongs to the day the window started on, so "fri 22:00-06:00" includes Saturday 05:59.
  bool contains(std::int64_t unix_minutes) const;
};

// days:  "*" or "" (every day), or a comma-separated list of "mon".."sun" and ranges "mon-fri".
// hours: "HH:MM-HH:MM" (24-hour clock, end may be "24:00"; start and end must differ).
// zone:  "UTC", "Z", "" or a fixed offset "+HH:MM" / "-HH:MM" up to 14:00.
parsed<policy_time_window> parse_time_window(std::string_view days, std::string_view hours, std::string_view zone);

class policy_condition {
 public:
  enum class kind : std::uint8_t {
    claim_equals,       // the string claim `name` equals `value`
    claim_in,           // the string claim `name` is one of `values`
    claim_contains,     // the list claim `name` contains `value` (a string claim counts as a list of one)
    tenant_equals,      // principal.tenant equals `value` (and is not empty)
    client_address_in,  // the client address lies in the address set
    tls,                // the connection is (expected=true) or is not (false) TLS
    time_window,        // request_attributes::now lies in the window
    header_equals,      // the header `name`, sent exactly once, equals `value` (exact bytes)
    header_prefix,      // the header `name`, sent exactly once, starts with `value`
    all,                // every child holds (an empty "all" holds)
    any,                // some child holds (an empty "any" does not)
    negation,           // the single child does not hold
  };

  static policy_condition claim_equals(std::string name, std::string value);
  static policy_condition claim_in(std::string name, std::vector<std::string> values);
  static policy_condition claim_contains(std::string name, std::string value);
  static policy_condition tenant_equals(std::string tenant);
  static policy_condition client_address_in(cidr_list addresses);
  static policy_condition tls_present(bool expected = true);
  static policy_condition time_in(policy_time_window window);
  static policy_condition header_equals(std::string name, std::string value);
  static policy_condition header_prefix(std::string name, std::string prefix);
  static policy_condition all_of(std::vector<policy_condition> children);
  static policy_condition any_of(std::vector<policy_condition> children);
  static policy_condition negation_of(policy_condition child);

  kind type() const { return kind_; }
  const std::vector<policy_condition>& children() const { return children_; }

  // Depth and size limits, empty names; an error text, empty when the tree is usable.
  std::string validate() const;
  std::size_t depth() const;
  std::size_t node_count() const;
  // Whether the outcome can depend on the principal (claims, tenant): such a rule is one that
  // authenticating might change, which is what separates a 401 from a 403.
  bool uses_principal() const;

  bool holds(const principal& who, const request_attributes& request) const;

 private:
  explicit policy_condition(kind k) : kind_(k) {}

  kind kind_;
  bool expected_ = true;
  std::string name_;
  std::string value_;
  std::vector<std::string> values_;
  cidr_list addresses_;
  policy_time_window window_;
  std::vector<policy_condition> children_;
};

}  // namespace ferry
