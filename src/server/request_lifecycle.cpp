#include "server/request_lifecycle.hpp"

#include "http/authority.hpp"
#include "log/access_log.hpp"
#include "server/worker.hpp"

namespace ferry {

namespace {

request_identity_options identity_options(const site& s) {
  const auto& cfg = s.cfg->request_id;
  return {cfg.header, cfg.accept_incoming, cfg.trace_context};
}

std::string_view protocol_name(metric_protocol protocol) {
  switch (protocol) {
    case metric_protocol::http1_0: return "HTTP/1.0";
    case metric_protocol::http2: return "HTTP/2.0";
    default: return "HTTP/1.1";
  }
}

}  // namespace

void identify_request(worker& w, const site& s, const request& req, request_identity& out) {
  assign_request_identity(req, identity_options(s), w.ids(), out);
}

bool bypasses_admission(const site& s, const request& req) {
  const auto& health = s.cfg->health;
  if (!health.liveness_path.empty() && req.path == health.liveness_path) return true;
  if (!health.readiness_path.empty() && req.path == health.readiness_path) return true;
  const auto& metrics = s.cfg->extensions.metrics;
  return metrics && metrics->listeners().empty() && req.path == metrics->path();
}

void add_common_response_fields(const site& s, bool secure, const request_identity& identity, response& r) {
  add_request_identity_headers(identity, identity_options(s), r);
  // Strict-Transport-Security only over TLS (RFC 6797 §7.2: never in the clear).
  const auto& tls = s.cfg->extensions.tls;
  if (secure && tls && !tls->hsts().empty() && r.get("Strict-Transport-Security").empty()) {
    r.set("Strict-Transport-Security", tls->hsts());
  }
}

void record_finished_request(worker& w, const finished_request& done) {
  const request& req = *done.req;
  w.stats().count_request(done.protocol, metric_method_of(req.method_name), done.status, done.body_bytes,
                          done.duration);
  w.stats().count_vhost_request(done.tenant, done.status, done.body_bytes);
  w.publish_stats();
  auto& log = w.access_log();
  if (!done.log || !log.enabled()) return;
  access_record record;
  record.remote_address = done.remote;
  record.method = req.method_name;
  record.target = req.target;
  record.protocol = protocol_name(done.protocol);
  record.status = done.status;
  record.bytes = done.body_bytes;
  record.duration = done.duration;
  record.user_agent = req.header("user-agent");
  record.referer = req.header("referer");
  record.host = req.authority;
  record.vhost = done.vhost;
  record.user = done.user;
  if (done.identity != nullptr) {
    record.request_id = done.identity->id();
    record.trace_id = done.identity->trace();
    record.span_id = done.identity->span();
  }
  if (done.tls != nullptr) {
    record.tls_version = done.tls->version;
    record.tls_cipher = done.tls->cipher;
  }
  log.append(record);
}

const site& route_request(const site& s, const request& req) {
  return s.has_vhosts() ? s.route(authority_host(req.authority)) : s;
}

bool misdirected(const site& s, const secure_session* session, const request& req) {
  if (session == nullptr) return false;
  const auto& sni = session->peer().server_name;
  const auto host = authority_host(req.authority);
  if (sni.empty() || host.empty() || iequals(host, sni)) return false;
  if (&s.route(sni) != &s.route(host)) return true;
  return !session->certificate_covers(host);
}

}  // namespace ferry
