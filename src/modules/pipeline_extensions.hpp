// What optional modules contribute to the request path. The core consults these objects
// without knowing which module made them; an absent module leaves its slot empty.
#pragma once

#include <memory>

#include "modules/access_control.hpp"
#include "modules/content_encoder.hpp"
#include "modules/http2_protocol.hpp"
#include "modules/metrics_exporter.hpp"
#include "modules/request_limits.hpp"
#include "modules/secure_transport.hpp"

namespace ferry {

struct pipeline_extensions {
  // On-the-fly compression (FERRY_WITH_COMPRESSION). Null: responses are never compressed on
  // the fly (precompressed sidecars are core and still served).
  std::shared_ptr<const content_encoder_factory> encoders;
  // TLS listeners and sessions (FERRY_WITH_TLS). Null: no [tls] table, or the module is absent.
  std::shared_ptr<secure_transport> tls;
  // HTTP/2 sessions (FERRY_WITH_HTTP2). Null: HTTP/1.1 only ([http2] enabled = false, or the
  // module is absent). With TLS, ALPN then offers "h2" first.
  std::shared_ptr<const http2_protocol> http2;
  // The Prometheus endpoint (FERRY_WITH_METRICS). Null: no endpoint ([metrics] enabled = false,
  // or the module is absent); the core counts either way.
  std::shared_ptr<const metrics_exporter> metrics;
  // Authentication and authorization (FERRY_WITH_AUTH). Null: every request is allowed (no
  // [auth] table, or the module is absent).
  std::shared_ptr<access_control> access;
  // Rate limits (FERRY_WITH_RATE_LIMIT). Null: nothing is limited (no [rate_limit] limits, or
  // the module is absent).
  std::shared_ptr<const request_limiter> limits;
};

}  // namespace ferry
