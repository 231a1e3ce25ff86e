// The server's configuration as plain values. Built once from TOML (config_loader) and
// command-line overrides, validated, then shared read-only by every worker. Runtime code reads
// this, never TOML.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config_changes.hpp"
#include "config/listener_config.hpp"
#include "files/file_policies.hpp"
#include "modules/pipeline_extensions.hpp"

namespace ferry {

using milliseconds = std::chrono::milliseconds;

enum class log_format { text, json };
enum class access_log_format { combined, json };

struct cors_config {
  std::vector<std::string> allow_origins;  // exact origins, or "*" for any
  std::vector<std::string> allow_methods{"GET", "HEAD", "OPTIONS"};
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  std::int64_t max_age_seconds = -1;  // -1: no Access-Control-Max-Age
};

// Headers added to responses whose path matches `path` (a glob: `*` within one segment,
// `**` across segments, `?` one character). Rules apply in order; later values win.
struct header_rule {
  std::string path;
  std::vector<std::pair<std::string, std::string>> set;  // name, value (empty value removes)
  bool has_cors = false;
  cors_config cors;
};

struct limits_config {
  std::size_t max_request_head = 8192;    // request line + headers, bytes → 431
  std::size_t max_header_count = 64;      // → 431
  std::size_t max_uri_length = 4096;      // request target, bytes → 414
  std::uint64_t max_body_size = 1 << 20;  // request body, bytes → 413
  std::size_t max_ranges = 16;            // ranges in one Range header; more → whole file
  std::size_t max_connections = 10000;    // per worker; over it new connections are closed
  std::size_t max_keepalive_requests = 0; // 0: unlimited
};

// Admission control per worker: at most `limit` requests in flight (response not yet handed to
// the kernel), a bounded FIFO of waiting requests, and 503 + Retry-After past it. With
// `adaptive`, the limit moves between min_inflight and max_inflight: down when the worker's
// event loop falls behind (its delay exceeds latency_target), up when the limit is what holds
// requests back and the loop keeps up.
struct admission_config {
  bool enabled = true;
  bool adaptive = true;
  std::size_t max_inflight = 1024;  // the limit when not adaptive, its ceiling when adaptive
  std::size_t min_inflight = 16;    // the adaptive limit's floor
  milliseconds latency_target{5};   // mean event-loop delay the adaptive limit aims below
  std::size_t queue_size = 256;     // waiting requests per worker; more → 503 at once
  milliseconds queue_timeout{1000}; // longest wait for a slot; then 503
  milliseconds retry_after{1000};   // Retry-After on those 503s (whole seconds, rounded up)
  // With virtual hosts: while the worker is full, a tenant holding its share of the limit
  // (limit / active tenants) is refused rather than queued (see tenant_admission).
  bool fair_share = true;
};

// Request ids and W3C trace context: returned in the response, written to the access and
// error logs.
struct request_id_config {
  std::string header = "X-Request-Id";  // "" = no request id
  bool accept_incoming = true;          // use the client's id when well-formed
  bool trace_context = true;            // parse and return `traceparent`
};

// Built-in endpoints answered before the file system; "" turns one off.
struct health_config {
  std::string liveness_path = "/healthz";   // 200 while the process serves
  std::string readiness_path = "/readyz";   // 200, or 503 once draining
  bool access_log = false;                  // log their requests too
};

struct timeouts_config {
  milliseconds request_head{10'000};  // from first byte (or idle end) to a complete head
  milliseconds idle{60'000};          // keep-alive wait for the next request
  milliseconds body{30'000};          // whole request body
  milliseconds send{30'000};          // without any send progress
  milliseconds shutdown_grace{10'000};
};

// Where a trusted proxy names the client: X-Forwarded-For, RFC 7239 Forwarded, or nowhere.
enum class client_address_header { x_forwarded_for, forwarded, none };

// The client address behind load balancers (nginx's realip). Only a connection whose address
// (after any PROXY protocol header) lies in `trusted_proxies` may name the client in `header`;
// any other peer is the client, whatever it sends.
struct client_address_config {
  std::vector<std::string> trusted_proxies;  // networks as written ("10.0.0.0/8"); [] trusts nobody
  client_address_header header = client_address_header::x_forwarded_for;

  // Whether any request can be attributed to someone other than its peer.
  bool resolves() const { return !trusted_proxies.empty() && header != client_address_header::none; }
};

struct precompressed_config {
  bool enabled = true;
  std::vector<std::string> encodings{"br", "zstd", "gzip"};  // server preference order
};

struct logging_config {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string error_log = "stderr";  // stderr, stdout, or a file path
  log_format error_format = log_format::text;
  std::string access_log = "off";  // off, stdout, stderr, or a file path
  access_log_format access_format = access_log_format::combined;
};

// A virtual host's own bounds (0: none of its own). Per worker: a request over `max_inflight`
// gets 503 with Retry-After without entering the worker's admission, and a connection over
// `max_connections` is answered 503 and closed, so one tenant's flood leaves the worker's
// capacity to the others. Per process: its response bodies leave at most `max_bandwidth`
// bytes per second in total (paced, not refused).
struct tenant_caps_config {
  std::size_t max_inflight = 0;
  std::size_t max_connections = 0;
  std::uint64_t max_bandwidth = 0;
};

struct config;

// A virtual host (tenant): requests whose authority matches one of its server names are served
// with its own root, file options, error pages and header rules. Requests that match no virtual
// host are served by the top-level configuration (the default host).
struct vhost_config {
  std::string name;                       // unique; what auth and rate-limit rules' `vhost` names
  std::vector<std::string> server_names;  // lower case, no trailing dot: "example.com", "*.example.com"
  // The top-level configuration with this host's own keys applied (and no vhosts of its own).
  std::shared_ptr<config> settings;
};

struct config {
  std::string source;  // file the config came from ("" when none)

  std::vector<listener_config> listeners{listener_config{}};
  unsigned workers = 0;  // 0: one per CPU
  // Started as root: switch to this user (and group; default the user's primary group) once
  // the listeners are bound and the logs open. "" keeps the identity ferry was started with.
  std::string user;
  std::string group;
  std::string root = ".";
  std::vector<std::string> index_files{"index.html"};
  bool directory_listing = false;
  dotfile_policy dotfiles = dotfile_policy::deny;
  symlink_policy symlinks = symlink_policy::within_root;
  std::string spa_fallback;                       // path under root, "" = off
  std::map<int, std::string> error_pages;         // status → path under root
  std::map<std::string, std::string> mime_types;  // extension (no dot) → content type
  std::string server_header = "ferry";            // "" omits the Server header
  precompressed_config precompressed;
  std::size_t open_file_cache = 1024;             // lookups cached per worker, 0 = off
  milliseconds open_file_cache_valid{1000};       // how long a cached lookup is trusted
  sendfile_mode sendfile = sendfile_mode::automatic;
  std::vector<header_rule> headers;
  limits_config limits;
  admission_config admission;
  request_id_config request_id;
  health_config health;
  client_address_config client_address;
  timeouts_config timeouts;
  logging_config logging;

  std::vector<vhost_config> vhosts;
  tenant_caps_config tenant_caps;  // set in a virtual host's settings only

  // What the compiled-in modules built from their tables.
  pipeline_extensions extensions;

  // A digest of each top-level key of the file, for the reload audit event's summary.
  config_digests sections;
};

}  // namespace ferry
