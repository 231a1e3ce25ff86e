// The auth module's access_control: immutable settings (policy, verifier, realm, audit writer)
// plus the credential sets in force, which reload_changed_files replaces as a whole when a key,
// JWKS, htpasswd or signing-key file changes. Workers' checkers (auth_checker.hpp) take the
// current sets with one atomic load per request and a mutex only after a reload.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "modules/access_control.hpp"
#include "modules/auth/auth_config.hpp"
#include "modules/auth/jwt_verifier.hpp"

namespace ferry {

class auth_access_control final : public access_control,
                                  public std::enable_shared_from_this<auth_access_control> {
 public:
  using clock_function = std::function<std::chrono::system_clock::time_point()>;

  // `clock` defaults to system_clock::now; tests pass a fixed one (JWT times, key and URL
  // expiry, time-window conditions). Own it with a shared_ptr: checkers keep it alive.
  explicit auth_access_control(auth_config config, clock_function clock = {});

  std::unique_ptr<access_checker> make_checker() const override;
  std::vector<std::string> reload_changed_files() override;
  void audit_config_reload(bool ok, std::string_view source, std::uint64_t generation,
                           std::string_view summary) override;
  void audit_certificate_change(std::string_view change, const certificate_expiry& certificate) override;
  std::optional<audit_log_counts> audit_counts() const override;

  // For the checkers.
  const auth_settings& settings() const { return settings_; }
  const jwt_verifier* verifier() const { return verifier_.get(); }
  std::chrono::system_clock::time_point now() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const auth_credential_sets> sets() const;

 private:
  auth_settings settings_;
  clock_function clock_;
  std::unique_ptr<const jwt_verifier> verifier_;

  mutable std::mutex sets_mutex_;
  std::shared_ptr<const auth_credential_sets> sets_;  // guarded by sets_mutex_
  std::atomic<std::uint64_t> generation_{1};
  std::mutex reload_mutex_;            // one reload at a time
  std::vector<std::string> warnings_;  // from the config load, returned by the first reload
};

}  // namespace ferry
