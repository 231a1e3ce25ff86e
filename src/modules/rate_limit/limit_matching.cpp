#include "modules/rate_limit/limit_matching.hpp"

#include <chrono>

#include "modules/rate_limit/client_key.hpp"
#include "modules/rate_limit/rate_limit_headers.hpp"

namespace ferry {
namespace {

// Separates the limit's name from the client's part of a key: a byte no name contains.
constexpr char key_separator = '\x1f';

}  // namespace

bool limit_covers(const limit_rule& rule, const limit_request& in) {
  if (rule.vhost != "*" && rule.vhost != in.vhost) return false;
  return rule.every_path || rule.path.matches(in.path);
}

bool make_limit_key(const limit_rule& rule, const limit_request& in, const client_key_prefixes& prefixes,
                    std::string& key) {
  key.assign(rule.name);
  key.push_back(key_separator);
  switch (rule.key) {
    case limit_key_kind::client_address: {
      const client_key grouped = make_client_key(in.remote_address, prefixes);
      key.append(grouped.valid() ? grouped.text() : in.remote_address);
      return true;
    }
    case limit_key_kind::principal:
      if (in.principal.empty()) return false;
      key.append(in.principal);
      return true;
    case limit_key_kind::tenant:
      if (in.tenant.empty()) return false;
      key.append(in.tenant);
      return true;
    case limit_key_kind::vhost:
      key.append(in.vhost);
      return true;
    case limit_key_kind::header: {
      bool found = false;
      const std::string_view value = in.req != nullptr ? in.req->header(rule.header, &found) : std::string_view();
      if (!found) return false;
      key.append(value);
      return true;
    }
  }
  return false;
}

std::int64_t limit_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

limit_refusal_counts::limit_refusal_counts(std::size_t limits)
    : counts_(std::make_unique<std::atomic<std::uint64_t>[]>(limits)) {}

void limit_refusal_counts::report(const rate_limit_settings& settings, rate_limit_stats& out) const {
  for (std::size_t i = 0; i < settings.limits.size(); ++i) {
    out.limits.push_back({settings.limits[i].name, counts_[i].load(std::memory_order_relaxed)});
  }
}

void nearest_limit::fill(const rate_limit_settings& settings, limit_refusal_counts& refusals,
                         limit_verdict& out) const {
  out.clear();
  if (!found_) return;
  const limit_rule& rule = settings.limits[index_];
  out.limited = !decision_.allowed;
  if (out.limited) {
    refusals.count(index_);
    append_retry_after(out.retry_after, decision_);
  }
  if (settings.headers) {
    out.policy = rule.policy_header;
    append_rate_limit(out.state, rule.name, decision_);
  }
}

}  // namespace ferry
