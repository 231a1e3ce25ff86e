// Per-worker counts of each virtual host's (tenant's) requests in flight and connections,
// against the caps of its configuration ([[vhosts]] max_inflight, max_connections). A tenant
// at its cap is refused at once instead of entering the worker's shared admission, so a flood
// for one host leaves the worker's slots and queue to the others.
//
// Tenants are counted by site::tenant_id, which follows a host's name across reloads: what was
// admitted under one configuration is given back to the same count under the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/site.hpp"
#include "server/worker_stats.hpp"

namespace ferry {

class tenant_admission {
 public:
  // Refusals are also counted per host in `stats` when given (/metrics).
  explicit tenant_admission(worker_stats* stats = nullptr) : stats_(stats) {}

  // Counts one more request for `host` unless it is at its cap (false: answer 503). `taken`
  // gets what leave_request() gives back (0 when nothing was counted: the default host, or
  // no cap).
  bool enter_request(const site& host, std::uint32_t& taken) {
    return enter(requests_, host.tenant_id, host.cfg->tenant_caps.max_inflight, taken);
  }
  void leave_request(std::uint32_t& taken) { leave(requests_, taken); }

  // The same for a connection attributed to `host`.
  bool enter_connection(const site& host, std::uint32_t& taken) {
    return enter(connections_, host.tenant_id, host.cfg->tenant_caps.max_connections, taken);
  }
  void leave_connection(std::uint32_t& taken) { leave(connections_, taken); }

  std::uint64_t refused() const { return refused_; }

 private:
  bool enter(std::vector<std::size_t>& counts, std::uint32_t tenant, std::size_t cap, std::uint32_t& taken) {
    taken = 0;
    if (tenant == 0 || cap == 0) return true;
    if (tenant >= counts.size()) counts.resize(tenant + 1);
    if (counts[tenant] >= cap) {
      ++refused_;
      if (stats_ != nullptr) stats_->count_vhost_refusal(tenant);
      return false;
    }
    ++counts[tenant];
    taken = tenant;
    return true;
  }

  static void leave(std::vector<std::size_t>& counts, std::uint32_t& taken) {
    if (taken != 0 && taken < counts.size() && counts[taken] > 0) --counts[taken];
    taken = 0;
  }

  std::vector<std::size_t> requests_;     // by tenant id
  std::vector<std::size_t> connections_;  // by tenant id
  std::uint64_t refused_ = 0;
  worker_stats* stats_;
};

}  // namespace ferry
