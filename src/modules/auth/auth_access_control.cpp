#include "modules/auth/auth_access_control.hpp"

#include <utility>

#include "modules/auth/api_key_file.hpp"
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

}  // namespace ferry
