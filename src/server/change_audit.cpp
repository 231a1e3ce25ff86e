#include "server/change_audit.hpp"

#include <algorithm>

namespace ferry {

std::vector<certificate_expiry> presented_certificates(const config& cfg) {
  if (!cfg.extensions.tls) return {};
  return cfg.extensions.tls->certificate_expiries();
}

void audit_started(const config& cfg) {
  audit_certificate_changes(cfg, {}, presented_certificates(cfg));
}

void audit_reload_succeeded(const config& before, const config& after, std::uint64_t generation) {
  if (!after.extensions.access) return;
  after.extensions.access->audit_config_reload(true, after.source, generation,
                                               describe_config_changes(before.sections, after.sections));
  audit_certificate_changes(after, presented_certificates(before), presented_certificates(after));
}

void audit_reload_failed(const config& current, std::string_view error, std::uint64_t generation) {
  if (!current.extensions.access) return;
  current.extensions.access->audit_config_reload(false, current.source, generation, error);
}

void audit_certificate_changes(const config& cfg, const std::vector<certificate_expiry>& before,
                               const std::vector<certificate_expiry>& after) {
  access_control* audit = cfg.extensions.access.get();
  if (audit == nullptr) return;
  const std::size_t common = std::min(before.size(), after.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (before[i].sha256 != after[i].sha256) audit->audit_certificate_change("reloaded", after[i]);
  }
  for (std::size_t i = common; i < after.size(); ++i) audit->audit_certificate_change("loaded", after[i]);
  for (std::size_t i = common; i < before.size(); ++i) audit->audit_certificate_change("removed", before[i]);
}

}  // namespace ferry
