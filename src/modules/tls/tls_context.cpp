#include "modules/tls/tls_context.hpp"

#include <string_view>
#include <utility>

#include "modules/tls/ssl_ctx_builder.hpp"

namespace ferry {
namespace {

const toml::source_region& where_for(const tls_config& config, std::size_t index, std::string_view text) {
  if (text.starts_with("tls.client_ca")) return config.client_ca_where;
  if (text.starts_with("tls.crl")) return config.crl_where;
  return config.certificates[index].where;
}

}  // namespace

tls_context::tls_context(tls_config config, std::vector<std::string> alpn_protocols,
                         ticket_key_ring::clock_function ticket_clock)
    : config_(std::move(config)),
      alpn_protocols_(std::move(alpn_protocols)),
      tickets_(config_.session_tickets
                   ? std::make_shared<ticket_key_ring>(config_.ticket_key_lifetime, std::move(ticket_clock))
                   : nullptr) {}

bool tls_context::load(std::vector<tls_problem>& problems) {
  const std::lock_guard reload_lock(reload_mutex_);
  auto set = std::make_shared<certificate_set>();
  set->alpn_protocols = alpn_protocols_;
  set->tickets = tickets_;
  set->client_ca_stamp = stamp_file(config_.client_ca);
  set->crl_stamp = stamp_file(config_.crl);
  bool ok = true;
  for (std::size_t i = 0; i < config_.certificates.size(); ++i) {
    std::string error;
    auto served = build_served_certificate(config_, i, error);
    if (!served) {
      problems.push_back({where_for(config_, i, error), std::move(error)});
      ok = false;
      // The CA bundle and CRL are shared: one report is enough.
      if (problems.back().text.starts_with("tls.c") && !problems.back().text.starts_with("tls.certificates")) break;
      continue;
    }
    set->certificates.push_back(std::move(served));
  }
  if (!ok || set->certificates.empty()) return false;
  const std::lock_guard lock(current_mutex_);
  current_ = std::move(set);
  return true;
}

std::shared_ptr<const certificate_set> tls_context::current() const {
  const std::lock_guard lock(current_mutex_);
  return current_;
}

std::vector<std::string> tls_context::reload_changed() {
  const std::lock_guard reload_lock(reload_mutex_);
  std::vector<std::string> errors;
  const std::shared_ptr<const certificate_set> old = current();
  if (!old) return errors;

  auto set = std::make_shared<certificate_set>(*old);  // shares the unchanged contexts
  set->client_ca_stamp = stamp_file(config_.client_ca);
  set->crl_stamp = stamp_file(config_.crl);
  const bool trust_changed = set->client_ca_stamp != old->client_ca_stamp || set->crl_stamp != old->crl_stamp;
  bool changed = false;
  bool trust_reloaded = true;
  for (std::size_t i = 0; i < config_.certificates.size(); ++i) {
    const tls_certificate_config& entry = config_.certificates[i];
    const served_certificate& before = *old->certificates[i];
    if (!trust_changed && stamp_file(entry.cert) == before.cert_stamp &&
        stamp_file(entry.key) == before.key_stamp) {
      continue;
    }
    std::string error;
    auto served = build_served_certificate(config_, i, error);
    if (!served) {
      errors.push_back(error + " (still serving the previously loaded certificate)");
      trust_reloaded = false;
      continue;
    }
    set->certificates[i] = std::move(served);
    changed = true;
  }
  if (!trust_reloaded) {
    // Remember the old stamps so that the next reload tries again.
    set->client_ca_stamp = old->client_ca_stamp;
    set->crl_stamp = old->crl_stamp;
  }
  if (changed || set->client_ca_stamp != old->client_ca_stamp || set->crl_stamp != old->crl_stamp) {
    const std::lock_guard lock(current_mutex_);
    current_ = std::move(set);
  }
  return errors;
}

}  // namespace ferry
