#include "modules/auth/auth_access_control.hpp"

#include <utility>

#include "modules/auth/api_key_file.hpp"
#include "modules/auth/audit_event.hpp"
#include "modules/auth/auth_checker.hpp"

namespace ferry {
namespace {

// Re-reads one line-format credential file when its stamp changed. The new stamp is kept also
// when the new text is broken, so a bad file is reported once, not on every poll; the old set
// keeps serving until the file changes again.
template <class Set, class Load>
bool reload_file(const std::string& path, std::string_view label, credential::file_stamp& stamp,
                 std::shared_ptr<const Set>& set, std::vector<std::string>& problems, Load&& load) {
  if (path.empty() || credential::stamp_file(path) == stamp) return false;
  auto loaded = load();
  stamp = loaded.stamp;
  if (!loaded.set) {
    for (const std::string& error : loaded.errors) {
      problems.push_back(std::string(label) + ": " + error + " (keeping the previous contents)");
    }
    return false;
  }
  set = std::move(loaded.set);
  return true;
}

}  // namespace

auth_access_control::auth_access_control(auth_config config, clock_function clock)
    : settings_(std::move(config.settings)),
      clock_(std::move(clock)),
      sets_(std::make_shared<const auth_credential_sets>(std::move(config.sets))),
      warnings_(std::move(config.warnings)) {
  if (settings_.jwt) {
    jwt_verifier::clock_function verifier_clock;
    if (clock_) verifier_clock = clock_;
    verifier_ = std::make_unique<const jwt_verifier>(settings_.jwt->options, std::move(verifier_clock));
  }
}

std::chrono::system_clock::time_point auth_access_control::now() const {
  return clock_ ? clock_() : std::chrono::system_clock::now();
}

std::shared_ptr<const auth_credential_sets> auth_access_control::sets() const {
  std::lock_guard lock(sets_mutex_);
  return sets_;
}

std::unique_ptr<access_checker> auth_access_control::make_checker() const {
  return std::make_unique<auth_checker>(shared_from_this());
}

std::vector<std::string> auth_access_control::reload_changed_files() {
  std::lock_guard reload_lock(reload_mutex_);
  std::vector<std::string> problems = std::move(warnings_);
  warnings_.clear();
  auth_credential_sets next = *sets();
  bool changed = false;

  if (next.jwt_keys) {
    auto reloaded = reload_jwt_key_set(next.jwt_keys);
    if (!reloaded.error.empty()) {
      problems.push_back("auth.jwt: " + reloaded.error + " (keeping the previous keys)");
    } else if (reloaded.changed) {
      next.jwt_keys = std::move(reloaded.keys);
      changed = true;
    }
    for (std::string& warning : reloaded.warnings) problems.push_back("auth.jwt: " + std::move(warning));
  }
  if (settings_.api_keys) {
    const auth_api_key_settings& keys = *settings_.api_keys;
    changed |= reload_file(keys.file, "auth.api_keys.file", next.api_key_stamp, next.api_keys, problems,
                           [&] { return load_api_key_file(keys.file, keys.config_keys); });
  }
  changed |= reload_file(settings_.htpasswd_file, "auth.basic.htpasswd", next.htpasswd_stamp, next.htpasswd,
                         problems, [&] { return load_htpasswd_file(settings_.htpasswd_file); });
  if (settings_.signed_urls) {
    const std::string& file = settings_.signed_urls->file;
    changed |= reload_file(file, "auth.signed_urls.file", next.url_key_stamp, next.url_keys, problems,
                           [&] { return load_url_signing_key_file(file); });
  }

  // Stamps are stored even without a new set (a broken file is not re-read until it changes).
  auto published = std::make_shared<const auth_credential_sets>(std::move(next));
  {
    std::lock_guard lock(sets_mutex_);
    sets_ = std::move(published);
  }
  if (changed) generation_.fetch_add(1, std::memory_order_acq_rel);
  return problems;
}

void auth_access_control::audit_config_reload(bool ok, std::string_view source, std::uint64_t generation,
                                              std::string_view summary) {
  if (!settings_.audit.writer) return;
  std::string line;
  append_audit_event(line, config_reload_audit_event{now(), ok, source, generation, summary});
  settings_.audit.writer->submit(line);
}

void auth_access_control::audit_certificate_change(std::string_view change, const certificate_expiry& certificate) {
  if (!settings_.audit.writer) return;
  std::string not_after;
  append_rfc3339_utc_ms(not_after, std::chrono::system_clock::time_point(std::chrono::seconds(certificate.not_after)));
  std::string line;
  append_audit_event(line, certificate_audit_event{now(), change, certificate.name, certificate.subject,
                                                   certificate.issuer, certificate.serial, not_after,
                                                   certificate.sha256});
  settings_.audit.writer->submit(line);
}

std::optional<audit_log_counts> auth_access_control::audit_counts() const {
  if (!settings_.audit.writer) return std::nullopt;
  const audit_writer_counters counters = settings_.audit.writer->counters();
  return audit_log_counts{counters.written, counters.dropped, counters.failed};
}

}  // namespace ferry
