#include "modules/http2/server_protocol.hpp"

#include <utility>

#include "modules/http2/server_session.hpp"

namespace ferry {

http2_server_protocol::http2_server_protocol(http2_config config, http2_clock clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

std::unique_ptr<http2_session> http2_server_protocol::open(http2_stream_handler& handler, const http2_limits& limits) const {
  return http2_server_session::create(config_, handler, limits, clock_);
}

}  // namespace ferry
