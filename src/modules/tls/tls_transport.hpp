// The secure_transport the TLS module installs: listeners and timeout from [tls], sessions
// over the current certificate snapshot, and certificate reload.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "modules/secure_transport.hpp"
#include "modules/tls/tls_context.hpp"

namespace ferry {

class tls_transport final : public secure_transport {
 public:
  // Loads every certificate; null (with `problems`) when one fails.
  static std::shared_ptr<tls_transport> create(tls_config config, std::vector<std::string> alpn_protocols,
                                               std::vector<tls_problem>& problems,
                                               ticket_key_ring::clock_function ticket_clock = {});

  explicit tls_transport(std::unique_ptr<tls_context> context);

  const std::vector<listener_config>& listeners() const override { return context_->config().listen; }
  const std::vector<listener_config>& redirect_listeners() const override {
    return context_->config().redirect_listen;
  }
  const std::string& hsts() const override { return context_->config().hsts; }
  std::chrono::milliseconds handshake_timeout() const override { return context_->config().handshake_timeout; }
  std::unique_ptr<secure_session> open(platform::native_socket socket) const override;
  std::vector<std::string> reload_changed_certificates() override { return context_->reload_changed(); }
  std::vector<certificate_expiry> certificate_expiries() const override;

 private:
  std::unique_ptr<tls_context> context_;
};

}  // namespace ferry
