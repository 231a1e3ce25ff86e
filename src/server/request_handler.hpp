// The protocol-independent request path: method policy, path normalisation, file resolution,
// directory handling, conditionals, ranges, encodings and header rules. Every protocol hands
// it the same `request` and writes the `response` it fills. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"
#include "modules/request_limits.hpp"
#include "modules/secure_transport.hpp"
#include "server/cpu_pressure.hpp"
#include "server/file_caches.hpp"
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
  // The rate_limit module's checker for this worker (null: nothing is limited), and who hears a
  // decision it cannot make at once (null: it must decide at once), with the tag it is told.
  limit_checker* limits = nullptr;
  limit_waiter* waiter = nullptr;
  std::uint32_t limit_tag = 0;
  // The worker's CPU pressure (null: none): on-the-fly compression runs at the cheapest level
  // or is skipped while it is high, and counts that into it.
  cpu_pressure* pressure = nullptr;
  // When the connection last read the clock (this turn of its loop): what the open-file cache
  // judges freshness against. Unset (the epoch): the handler reads the clock.
  std::chrono::steady_clock::time_point now{};
};

class request_handler {
 public:
  // Lookups go through `files`, the worker's open-file caches (one per host).
  explicit request_handler(file_caches& files) : files_(files) {}

  // True when `out` is the answer. False when the rate limits are still deciding (a shared
  // store): ctx.waiter hears the verdict, and the connection then calls
  // resume_after_limits with the same request, context, site and response.
  [[nodiscard]] bool handle(const request& req, const request_context& ctx, const site& s, response& out);
  void resume_after_limits(const request& req, const request_context& ctx, const site& s,
                           const limit_verdict& verdict, response& out);

  // A short error response (or the configured error page) for a status decided outside the
  // request path, e.g. by the parser.
  void error(int status, const request* req, const site& s, response& out);

 private:
  // /healthz, /readyz and /metrics, answered before the file system. False: not one of them.
  bool serve_builtin(const request& req, const request_context& ctx, const site& s, response& out);
  void serve_metrics(const site& s, const metrics_exporter& metrics, response& out);
  // The auth module's verdict on path_; false (after answering 401/403) when refused.
  bool admitted(const request& req, const request_context& ctx, const site& s, response& out);
  // Asks the rate_limit module into verdict_; false when the verdict is pending.
  bool check_limits(const request& req, const request_context& ctx, const site& s, response& out);
  // With verdict_ decided: the file, or 429/503 when over a limit or undecidable.
  void serve_within_limits(const request& req, const request_context& ctx, const site& s, response& out);
  void add_limit_headers(response& out) const;
  void serve_path(const request& req, const request_context& ctx, const site& s, response& out);
  void serve_directory(const request& req, const request_context& ctx, const site& s, response& out);
  // `found` is `name`'s lookup, a file.
  void serve_file(const request& req, const request_context& ctx, const site& s, file_entry found,
                  std::string_view name, response& out);
  void serve_listing(const request& req, const site& s, response& out);
  void options(const request& req, const site& s, response& out);
  void apply_header_rules(const request& req, const site& s, response& out);
  std::shared_ptr<const open_file> open_sidecar(const request_context& ctx, const site& s, std::string_view name,
                                                std::string_view coding);

  file_caches& files_;
  std::string path_;     // normalised request path
  std::string scratch_;  // candidate paths (index files, sidecars)
  std::string index_path_;
  std::string etag_;
  std::vector<response_header> rule_headers_;
  metrics_snapshot snapshot_;  // reused by scrapes
  access_decision decision_;   // reused per request
  limit_verdict verdict_;  // reused per request
  std::string principal_;  // holds the principal while a 429 is written
};

}  // namespace ferry
