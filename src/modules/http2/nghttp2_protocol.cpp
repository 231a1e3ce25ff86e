#include "modules/http2/nghttp2_protocol.hpp"

#include <utility>

#include "modules/http2/nghttp2_server_session.hpp"

namespace ferry {

nghttp2_protocol::nghttp2_protocol(http2_config config, http2_clock clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

std::unique_ptr<http2_session> nghttp2_protocol::open(http2_stream_handler& handler, const http2_limits& limits) const {
  return nghttp2_server_session::create(config_, handler, limits, clock_);
}

}  // namespace ferry
