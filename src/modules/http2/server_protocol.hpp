// The http2_protocol the module installs: one per configuration, opening a session per
// connection with the [http2] settings and the steady clock.
#pragma once

#include <memory>

#include "modules/http2/flood_guard.hpp"
#include "modules/http2/http2_config.hpp"
#include "modules/http2_protocol.hpp"

namespace ferry {

class http2_server_protocol final : public http2_protocol {
 public:
  // A null clock means std::chrono::steady_clock.
  explicit http2_server_protocol(http2_config config, http2_clock clock = {});

  std::unique_ptr<http2_session> open(http2_stream_handler& handler, const http2_limits& limits) const override;
  bool cleartext() const override { return config_.cleartext; }
  const http2_config& config() const { return config_; }

 private:
  http2_config config_;
  http2_clock clock_;
};

}  // namespace ferry
