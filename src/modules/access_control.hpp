// What the auth module offers the core: one decision per request, made after the path is
// normalised and before the file system is touched (no existence oracle: 401/403 before 404).
// No OpenSSL or module type appears here; without the module pipeline_extensions::access is
// null and every request is allowed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/request_identity.hpp"
#include "modules/metrics_exporter.hpp"
#include "modules/secure_transport.hpp"

namespace ferry {

struct access_request {
  const request* req = nullptr;               // method, headers, target, query
  std::string_view path;                      // normalised, decoded path ("/private/a.txt")
  std::string_view remote_address;            // numeric client address, as logged
  const tls_peer_info* tls = nullptr;         // null in the clear; else SNI, client certificate
  const request_identity* identity = nullptr; // request and trace ids, for audit events
  std::string_view vhost;                     // the request's host (authority without port, lower case)
};

struct access_decision {
  int status = 0;  // 0: allowed; otherwise 401 or 403 (never anything that tells which check failed)
  // 401 only: WWW-Authenticate values, one field each (e.g. `Bearer realm="ferry",
  // error="invalid_token"` and `Basic realm="ferry"`).
  std::vector<std::string> challenges;
  // Who the request is, for the access log ("" when anonymous): a JWT `sub`, an API key id, a
  // Basic user, a certificate subject.
  std::string principal;
  std::string tenant;  // the principal's tenant ("" when none), for rate limits keyed on it

  void clear() {
    status = 0;
    challenges.clear();
    principal.clear();
    tenant.clear();
  }
};

// One per worker: may keep state that must not be shared between threads (a verified-token
// cache, scratch buffers). Used only on its worker's thread.
class access_checker {
 public:
  virtual ~access_checker() = default;
  // Decides for one request and writes its audit event (when audit is on). Never throws.
  virtual void check(const access_request& request, access_decision& out) = 0;
};

// Built once per configuration by the auth module; shared read-only by all workers.
class access_control {
 public:
  virtual ~access_control() = default;
  // A checker for one worker, bound to this configuration.
  virtual std::unique_ptr<access_checker> make_checker() const = 0;
  // Re-reads key, JWKS and htpasswd files that changed (polled with the certificates). Returns
  // problems for the error log; the previous contents keep serving. Thread-safe.
  virtual std::vector<std::string> reload_changed_files() = 0;

  // Audit events the server causes (no-ops when the audit log is off). Thread-safe.
  // A config reload: `ok` or failed, the file, the count of successful loads so far, and what
  // changed (or the error).
  virtual void audit_config_reload(bool ok, std::string_view source, std::uint64_t generation,
                                   std::string_view summary) = 0;
  // A certificate that handshakes now present ("loaded", "reloaded") or no longer ("removed").
  virtual void audit_certificate_change(std::string_view change, const certificate_expiry& certificate) = 0;
  // The audit log's counters for the metrics; none when the audit log is off.
  virtual std::optional<audit_log_counts> audit_counts() const = 0;
};

}  // namespace ferry
