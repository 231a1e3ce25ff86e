// Per-worker counts of each virtual host's (tenant's) requests in flight and connections, and
// the refusals that keep tenants apart:
// - a host's own caps ([[vhosts]] max_inflight, max_connections): a tenant at its cap is
//   refused at once instead of entering the worker's shared admission;
// - fair shares ([admission] fair_share): while the worker's admission is full (a request
//   would have to wait), a tenant already holding its share — ⌈limit / active tenants⌉ plus
//   queue_size / (active tenants + 1) — is refused instead of queued, so the slots that free up
//   go to the tenants below their share, and part of the queue is always left for a tenant
//   that becomes active. The share follows the adaptive limit: this is the per-tenant adaptive
//   in-flight limit. Nothing is refused while the worker has room: one busy tenant alone may
//   use every slot (and half the queue).
// The default host counts as a tenant of its own (id 0) for fair shares.
//
// Tenants are counted by site::tenant_id, which follows a host's name across reloads: what was
// admitted under one configuration is given back to the same count under the next.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/admission_control.hpp"
#include "server/site.hpp"
#include "server/worker_stats.hpp"

namespace ferry {

class tenant_admission {
 public:
  // A tenant with a request within this many worker ticks (100 ms each) counts as active.
  static constexpr std::uint32_t active_ticks = 10;

  // Refusals are also counted per host in `stats` when given (/metrics).
  explicit tenant_admission(worker_stats* stats = nullptr) : stats_(stats) {}

  // Fair shares apply when `top` (the default host's site) has virtual hosts and its
  // [admission] has fair_share and is enabled.
  void configure(const site& top);

  // Counts one more request for `host` unless its own cap or its fair share refuses it (false:
  // answer 503; a fair-share refusal also counts as a refusal of `admission`). `taken` gets what
  // leave_request() gives back (0 when nothing was counted).
  bool enter_request(const site& host, admission_control& admission, std::uint32_t& taken);
  void leave_request(std::uint32_t& taken);

  // The same for a connection attributed to `host` (its own max_connections only).
  bool enter_connection(const site& host, std::uint32_t& taken);
  // The host's connections refused since it last admitted one (at most 255): a refused
  // connection rests rest_after(that) before its 503, so a client reconnecting in a loop cannot
  // keep the worker busy with accepts and refusals.
  unsigned connection_refusals(const site& host) const {
    return host.tenant_id < tenants_.size() ? tenants_[host.tenant_id].connection_refusals : 0;
  }
  void leave_connection(std::uint32_t& taken);
  // Whether `taken` (from enter_connection) already stands for `host`: then a connection that
  // moves on to another request for the same host needs no new count.
  static bool counts_connection_for(const site& host, std::uint32_t taken) {
    return taken == host.tenant_id + 1 ||
           (taken == 0 && (host.tenant_id == 0 || host.cfg->tenant_caps.max_connections == 0));
  }

  // How long a connection refused this many times in a row (by a host's cap or fair share) is
  // not read: 10 ms, doubling with each refusal up to 1 s. A flood that ignores Retry-After then
  // costs the worker little, and a client that was refused once barely notices.
  static std::chrono::milliseconds rest_after(unsigned refusals_in_a_row) {
    if (refusals_in_a_row == 0) return std::chrono::milliseconds(0);
    return std::min(std::chrono::milliseconds(10 << std::min(refusals_in_a_row - 1, 7u)), std::chrono::milliseconds(1000));
  }

  // Once per worker tick: ages the activity window.
  void tick();
  std::size_t active_tenants() const { return active_; }
  std::uint64_t refused() const { return refused_; }

 private:
  struct tenant_counts {
    std::size_t requests = 0;
    std::size_t connections = 0;
    std::uint32_t last_tick = 0;  // the tick of its latest request
    std::uint8_t connection_refusals = 0;
  };

  tenant_counts& counts(std::uint32_t tenant);
  bool active(const tenant_counts& t) const { return t.requests > 0 || tick_ - t.last_tick <= active_ticks; }
  void refuse(std::uint32_t tenant);

  std::vector<tenant_counts> tenants_;  // by tenant id
  bool fair_ = false;
  std::uint32_t tick_ = active_ticks + 1;  // so that a tenant never seen is not active
  std::size_t active_ = 0;
  std::uint64_t refused_ = 0;
  worker_stats* stats_;
};

}  // namespace ferry
