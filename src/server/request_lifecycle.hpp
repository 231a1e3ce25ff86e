// The steps around the request path that HTTP/1.x and HTTP/2 take the same way: who the request
// is (request id, trace), the fields every response carries (request id, traceparent, HSTS over
// TLS), and what a finished request leaves behind (access log line, counters).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "http/request.hpp"
#include "http/request_identity.hpp"
#include "http/response.hpp"
#include "modules/metrics_exporter.hpp"
#include "modules/secure_transport.hpp"
#include "server/site.hpp"

namespace ferry {

class worker;

// Fills `out` from the request's X-Request-Id and traceparent per the site's [request_id].
void identify_request(worker& w, const site& s, const request& req, request_identity& out);

// /healthz, /readyz and /metrics skip admission control: an overloaded worker must still say it
// is alive and let itself be observed (they are cheap and never touch the file system).
bool bypasses_admission(const site& s, const request& req);

// The site serving the request: the virtual host its authority (absolute-form target or Host,
// as the parser settled it) names, else the default host.
const site& route_request(const site& s, const request& req);

// Over TLS, whether the request must be answered 421 (RFC 9110 §15.5.20) so the client retries
// on a fitting connection: the SNI name and the authority belong to different virtual hosts, or
// the certificate the SNI name chose does not cover the authority. Null session: plaintext.
bool misdirected(const site& s, const secure_session* session, const request& req);

// Adds the request id, traceparent and (over TLS, unless a header rule set it) HSTS.
void add_common_response_fields(const site& s, bool secure, const request_identity& identity, response& r);

struct finished_request {
  const request* req = nullptr;
  const request_identity* identity = nullptr;
  std::string_view remote;
  metric_protocol protocol = metric_protocol::http1_1;
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::chrono::microseconds duration{0};
  const tls_peer_info* tls = nullptr;  // null in the clear
  bool log = true;                     // false: counted, but kept out of the access log
  std::string_view user;               // the authenticated principal, "" when anonymous
  std::string_view vhost;              // the virtual host's name, "" for the default host
  std::uint32_t tenant = 0;            // its site::tenant_id (0: the default host)
};

// Counts the request and appends its access log line.
void record_finished_request(worker& w, const finished_request& done);

}  // namespace ferry
