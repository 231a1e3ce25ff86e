#include "server/site.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

namespace ferry {

std::string_view sidecar_suffix(std::string_view coding) {
  if (coding == "br") return ".br";
  if (coding == "zstd") return ".zst";
  if (coding == "gzip") return ".gz";
  return {};
}

site::site(std::shared_ptr<const config> configuration) : site(std::move(configuration), {}, 0) {
  for (std::size_t i = 0; i < cfg->vhosts.size(); ++i) {
    const vhost_config& vhost = cfg->vhosts[i];
    const site& host = *vhosts_.emplace_back(std::make_unique<const site>(vhost.settings, vhost.name, i + 1));
    for (const std::string& server_name : vhost.server_names) {
      if (server_name.starts_with("*.")) {
        wildcard_names_.emplace_back(server_name.substr(1), &host);
      } else {
        exact_names_.emplace(server_name, &host);
      }
    }
  }
  std::stable_sort(wildcard_names_.begin(), wildcard_names_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

const site& site::route(std::string_view host) const {
  if (vhosts_.empty()) return *this;
  if (host.ends_with('.')) host.remove_suffix(1);
  std::array<char, 253> lowered;
  if (host.empty() || host.size() > lowered.size()) return *this;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    lowered[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const std::string_view wanted(lowered.data(), host.size());
  if (const auto found = exact_names_.find(wanted); found != exact_names_.end()) return *found->second;
  for (const auto& [suffix, target] : wildcard_names_) {
    if (wanted.size() > suffix.size() && wanted.ends_with(suffix)) return *target;
  }
  return *this;
}

namespace {

// Names are few (one per virtual host ever configured) and looked up only when a
// configuration is built or metrics are scraped.
struct tenant_registry {
  std::mutex mutex;
  std::map<std::string, std::uint32_t, std::less<>> ids;
  std::vector<std::string> names{""};  // by id; 0 is the default host
};

tenant_registry& tenants() {
  static tenant_registry registry;
  return registry;
}

std::uint32_t tenant_id_of(const std::string& name) {
  auto& r = tenants();
  const std::lock_guard lock(r.mutex);
  const auto [it, inserted] = r.ids.try_emplace(name, static_cast<std::uint32_t>(r.names.size()));
  if (inserted) r.names.push_back(name);
  return it->second;
}

}  // namespace

std::string tenant_name(std::uint32_t tenant_id) {
  auto& r = tenants();
  const std::lock_guard lock(r.mutex);
  return tenant_id < r.names.size() ? r.names[tenant_id] : std::string();
}

site::site(std::shared_ptr<const config> configuration, std::string vhost_name, std::size_t vhost_index)
    : cfg(std::move(configuration)),
      name(std::move(vhost_name)),
      index(vhost_index),
      tenant_id(name.empty() ? 0 : tenant_id_of(name)),
      resolver(cfg->root, cfg->symlinks, cfg->dotfiles),
      mime(cfg->mime_types),
      rules(cfg->headers) {
  if (cfg->precompressed.enabled) {
    for (const auto& coding : cfg->precompressed.encodings) {
      // Views into the shared config, which this site keeps alive.
      if (sidecar_suffix(coding).empty()) continue;
      sidecar_codings.emplace_back(coding);
      sidecar_suffixes.emplace_back(sidecar_suffix(coding));
    }
  }
  if (tenant_id != 0 && cfg->tenant_caps.max_bandwidth != 0) {
    bandwidth = &bandwidth_budget_of(tenant_id);
    bandwidth->set_rate(cfg->tenant_caps.max_bandwidth);
  }
  limits.max_head = cfg->limits.max_request_head;
  limits.max_header_count = cfg->limits.max_header_count;
  limits.max_uri_length = cfg->limits.max_uri_length;
  limits.max_body = cfg->limits.max_body_size;
}

}  // namespace ferry
