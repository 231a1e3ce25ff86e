#include "server/tenant_admission.hpp"

namespace ferry {

void tenant_admission::configure(const site& top) {
  const auto& cfg = top.cfg->admission;
  fair_ = cfg.enabled && cfg.fair_share && top.has_vhosts();
}

tenant_admission::tenant_counts& tenant_admission::counts(std::uint32_t tenant) {
  if (tenant >= tenants_.size()) tenants_.resize(tenant + 1);
  return tenants_[tenant];
}

void tenant_admission::refuse(std::uint32_t tenant) {
  ++refused_;
  if (stats_ != nullptr) stats_->count_vhost_refusal(tenant);
}

bool tenant_admission::enter_request(const site& host, admission_control& admission, std::uint32_t& taken) {
  taken = 0;
  const std::uint32_t tenant = host.tenant_id;
  const std::size_t cap = host.cfg->tenant_caps.max_inflight;
  if (!fair_ && (tenant == 0 || cap == 0)) return true;  // nothing to count: the usual case
  tenant_counts& t = counts(tenant);
  if (!active(t)) ++active_;  // counted at once, not only from the next tick
  t.last_tick = tick_;
  if (cap != 0 && t.requests >= cap) {
    refuse(tenant);
    return false;
  }
  if (fair_ && admission.would_wait()) {
    const std::size_t share = (admission.limit() + active_ - 1) / active_ + admission.queue_size() / (active_ + 1);
    if (t.requests >= share) {
      admission.refuse_over_share();
      refuse(tenant);
      return false;
    }
  }
  ++t.requests;
  taken = tenant + 1;
  return true;
}

void tenant_admission::leave_request(std::uint32_t& taken) {
  if (taken != 0 && taken <= tenants_.size() && tenants_[taken - 1].requests > 0) --tenants_[taken - 1].requests;
  taken = 0;
}

bool tenant_admission::enter_connection(const site& host, std::uint32_t& taken) {
  taken = 0;
  const std::uint32_t tenant = host.tenant_id;
  const std::size_t cap = host.cfg->tenant_caps.max_connections;
  if (tenant == 0 || cap == 0) return true;
  tenant_counts& t = counts(tenant);
  if (t.connections >= cap) {
    if (t.connection_refusals < 255) ++t.connection_refusals;
    refuse(tenant);
    return false;
  }
  t.connection_refusals = 0;
  ++t.connections;
  taken = tenant + 1;
  return true;
}

void tenant_admission::leave_connection(std::uint32_t& taken) {
  if (taken != 0 && taken <= tenants_.size() && tenants_[taken - 1].connections > 0) {
    --tenants_[taken - 1].connections;
  }
  taken = 0;
}

void tenant_admission::tick() {
  ++tick_;
  active_ = 0;
  for (const auto& t : tenants_) active_ += active(t) ? 1u : 0u;
}

}  // namespace ferry
