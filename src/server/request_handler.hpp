// The protocol-independent request path: method policy, path normalisation, file resolution,
// directory handling, conditionals, ranges, encodings and header rules. Every protocol hands
// it the same `request` and writes the `response` it fills. Never throws.
#pragma once

#include <string>
#include <string_view>

#include "http/request.hpp"
#include "files/open_file_cache.hpp"
#include "http/response.hpp"
#include "modules/secure_transport.hpp"
#include "server/site.hpp"

namespace ferry {

struct request_context {
  // Whether the protocol can carry a body of unknown length (HTTP/1.1 chunked, HTTP/2);
  // HTTP/1.0 cannot, so it never gets on-the-fly compression.
  bool can_stream = true;
  // What the TLS handshake established (version, SNI, the client certificate's subject and
  // SANs, whether it verified), or null in the clear. For policies that need it.
  const tls_peer_info* tls = nullptr;
  // The client's address (numeric): the connection's, or the one a trusted proxy named
  // ([client_address]). What the access log, auth and rate limits see.
  std::string_view remote_address;
  // The worker is draining: /readyz answers 503 so load balancers move away.
  bool draining = false;
  // Accepted on a metrics.listen (admin) listener: built-in endpoints only, never a file.
  bool admin_listener = false;
  // The auth module's checker (null: everything allowed) and the request's ids for its audit.
  access_checker* access = nullptr;
  const request_identity* identity = nullptr;
  // The connection's own address (after any PROXY protocol header), never a header value: the
  // metrics allow-list judges this one, so no client can vouch for itself.
  std::string_view peer_address;
};

class request_handler {
 public:
  // Lookups go through `files`, the worker's open-file cache.
  explicit request_handler(open_file_cache& files) : files_(files) {}

  void handle(const request& req, const request_context& ctx, const site& s, response& out);

  // A short error response (or the configured error page) for a status decided outside the
  // request path, e.g. by the parser.
  void error(int status, const request* req, const site& s, response& out);

 private:
  // /healthz, /readyz and /metrics, answered before the file system. False: not one of them.
  bool serve_builtin(const request& req, const request_context& ctx, const site& s, response& out);
  void serve_metrics(const site& s, const metrics_exporter& metrics, response& out);
  // The auth module's verdict on path_; false (after answering 401/403) when refused.
  bool admitted(const request& req, const request_context& ctx, const site& s, response& out);
  // The rate_limit module's verdict; false (after answering 429) when over a limit.
  bool within_limits(const request& req, const request_context& ctx, const site& s, response& out);
  void add_limit_headers(response& out) const;
  void serve_path(const request& req, const request_context& ctx, const site& s, response& out);
  void serve_directory(const request& req, const request_context& ctx, const site& s, response& out);
  void serve_file(const request& req, const request_context& ctx, const site& s,
                  std::shared_ptr<const open_file> file, std::string_view name, response& out);
  void serve_listing(const request& req, const site& s, response& out);
  void options(const request& req, const site& s, response& out);
  void apply_header_rules(const request& req, const site& s, response& out);
  std::shared_ptr<const open_file> open_sidecar(const site& s, std::string_view name, std::string_view coding);

  open_file_cache& files_;
  std::string path_;     // normalised request path
  std::string scratch_;  // candidate paths (index files, sidecars)
  std::string index_path_;
  std::string etag_;
  std::vector<response_header> rule_headers_;
  metrics_snapshot snapshot_;  // reused by scrapes
  access_decision decision_;   // reused per request
  // This worker's checker for the site's limiter, remade when a reload brings another one
  // (holding the limiter keeps its address from being reused by the next configuration).
  std::shared_ptr<const request_limiter> limiter_;
  std::unique_ptr<limit_checker> limit_checker_;
  limit_verdict verdict_;  // reused per request
  std::string principal_;  // holds the principal while a 429 is written
};

}  // namespace ferry
