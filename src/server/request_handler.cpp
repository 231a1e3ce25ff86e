#include "server/request_handler.hpp"

#include <array>
#include <charconv>
#include <random>

#include "files/directory_listing.hpp"
#include "files/path_normalize.hpp"
#include "files/range_set.hpp"
#include "http/accept_encoding.hpp"
#include "http/authority.hpp"
#include "http/conditional.hpp"
#include "http/http_date.hpp"
#include "http/status.hpp"
#include "http/text_escape.hpp"
#include "log/logging.hpp"
#include "server/worker_stats.hpp"

namespace ferry {

namespace {

constexpr std::string_view allowed_methods = "GET, HEAD, OPTIONS";
constexpr std::size_t max_listing_entries = 10000;

void append_hex(std::string& out, std::uint64_t value) {
  char buf[17];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, 16);
  out.append(buf, r.ptr);
}

std::chrono::steady_clock::time_point lookup_time(const request_context& ctx) {
  return ctx.now == std::chrono::steady_clock::time_point{} ? std::chrono::steady_clock::now() : ctx.now;
}

void append_decimal(std::string& out, std::uint64_t value) {
  char buf[21];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

// Validator per representation: "<mtime>-<size>" of the file sent, with the coding of a
// sidecar (".br") or of on-the-fly compression ("+br") so no two encodings share a tag. Strong,
// except on the fly: the level there changes with CPU pressure (and a reload), so the bytes
// behind one tag may differ, which only a weak validator allows (RFC 9110 8.8.1). Caches still
// revalidate with If-None-Match (weak comparison), whatever level their copy came from.
// The file as it is has its tag ready (open_file); an encoding's is built in `out`.
std::string_view etag_of(std::string& out, const open_file& f, std::string_view coding, bool on_the_fly) {
  if (coding.empty() && !on_the_fly) return f.etag_text();
  out.assign(on_the_fly ? "W/\"" : "\"");
  out.append(f.etag_core_text());
  if (!coding.empty()) {
    out.push_back(on_the_fly ? '+' : '.');
    out.append(coding);
  }
  out.push_back('"');
  return out;
}

conditional_headers conditionals_of(const request& req) {
  conditional_headers c;
  bool found = false;
  auto v = req.header("if-match", &found);
  if (found) c.if_match = v;
  v = req.header("if-none-match", &found);
  if (found) c.if_none_match = v;
  v = req.header("if-modified-since", &found);
  if (found) c.if_modified_since = v;
  v = req.header("if-unmodified-since", &found);
  if (found) c.if_unmodified_since = v;
  return c;
}

// What auth and rate-limit rules call the request's virtual host: the [[vhosts]] entry's name,
// or on the default host the authority's host as sent.
std::string_view vhost_of(const request& req, const site& s) {
  return s.name.empty() ? authority_host(req.authority) : std::string_view(s.name);
}

std::string random_boundary() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string b;
  append_hex(b, rng());
  append_hex(b, rng());
  return b;
}

}  // namespace

bool request_handler::handle(const request& req, const request_context& ctx, const site& s, response& out) {
  out.clear();
  path_.clear();
  verdict_.clear();
  out.head_only = req.method == http_method::head;
  switch (req.method) {
    case http_method::get:
    case http_method::head:
      break;
    case http_method::options:
      options(req, s, out);
      return true;
    default:
      error(405, &req, s, out);
      return true;
  }
  if (serve_builtin(req, ctx, s, out)) return true;
  if (ctx.admin_listener) {
    error(404, &req, s, out);
    return true;
  }
  if (normalize_path(req.path, path_) != path_status::ok) {
    error(400, &req, s, out);
    return true;
  }
  if (!admitted(req, ctx, s, out)) return true;
  if (!check_limits(req, ctx, s, out)) return false;
  serve_within_limits(req, ctx, s, out);
  return true;
}

// The path was normalised and authorised before the wait; other requests used this handler
// meanwhile, so what they overwrote is computed again (the principal stayed in `out`).
void request_handler::resume_after_limits(const request& req, const request_context& ctx, const site& s,
                                          const limit_verdict& verdict, response& out) {
  if (normalize_path(req.path, path_) != path_status::ok) {  // cannot happen: it passed before
    error(400, &req, s, out);
    return;
  }
  verdict_ = verdict;
  serve_within_limits(req, ctx, s, out);
}

// Before any lookup, so a refused client learns nothing about which files exist.
bool request_handler::admitted(const request& req, const request_context& ctx, const site& s, response& out) {
  if (ctx.access == nullptr) return true;
  decision_.clear();
  access_request ask;
  ask.req = &req;
  ask.path = path_;
  ask.remote_address = ctx.remote_address;
  ask.tls = ctx.tls;
  ask.identity = ctx.identity;
  ask.vhost = vhost_of(req, s);
  ctx.access->check(ask, decision_);
  out.principal = decision_.principal;
  out.tenant = decision_.tenant;
  if (decision_.status == 0) return true;
  error(decision_.status == 401 ? 401 : 403, &req, s, out);
  out.principal = decision_.principal;
  for (const auto& challenge : decision_.challenges) out.add("WWW-Authenticate", challenge);
  return false;
}

// After authentication (limits may count per principal), before any lookup.
bool request_handler::check_limits(const request& req, const request_context& ctx, const site& s, response& out) {
  if (ctx.limits == nullptr) return true;
  limit_request ask;
  ask.req = &req;
  ask.path = path_;
  ask.remote_address = ctx.remote_address;
  ask.principal = out.principal;
  ask.tenant = out.tenant;
  ask.vhost = vhost_of(req, s);
  ask.waiter = ctx.waiter;
  ask.tag = ctx.limit_tag;
  return ctx.limits->check(ask, verdict_);
}

void request_handler::serve_within_limits(const request& req, const request_context& ctx, const site& s,
                                          response& out) {
  if (!verdict_.limited && !verdict_.unavailable) {
    serve_path(req, ctx, s, out);
    add_limit_headers(out);
    return;
  }
  // error() starts the response afresh; the principal stays for the access log (swapped, so
  // both buffers keep their capacity).
  principal_.swap(out.principal);
  error(verdict_.limited ? 429 : 503, &req, s, out);
  out.principal.swap(principal_);
  if (!verdict_.retry_after.empty()) out.add("Retry-After", verdict_.retry_after);
  add_limit_headers(out);
}

void request_handler::add_limit_headers(response& out) const {
  if (!verdict_.policy.empty()) out.add("RateLimit-Policy", verdict_.policy);
  if (!verdict_.state.empty()) out.add("RateLimit", verdict_.state);
}

// Exact paths (a query string is ignored): these never reach the file system, and a file of
// the same name is shadowed only while the endpoint is on.
bool request_handler::serve_builtin(const request& req, const request_context& ctx, const site& s, response& out) {
  const auto& health = s.cfg->health;
  const bool live = !health.liveness_path.empty() && req.path == health.liveness_path;
  const bool ready = !live && !health.readiness_path.empty() && req.path == health.readiness_path;
  if (live || ready) {
    out.status = ready && ctx.draining ? 503 : 200;
    out.add("Content-Type", "text/plain; charset=utf-8");
    out.add("Cache-Control", "no-store");
    out.set_text_body(out.status == 503 ? "draining\n" : live ? "alive\n" : "ready\n");
    out.skip_access_log = !health.access_log;
    return true;
  }
  const auto* metrics = s.cfg->extensions.metrics.get();
  if (metrics == nullptr || req.path != metrics->path()) return false;
  // With listeners of its own, the endpoint lives there only (elsewhere the path is a file path).
  if (!metrics->listeners().empty() && !ctx.admin_listener) return false;
  if (!metrics->allows(ctx.peer_address)) {
    error(404, &req, s, out);  // as if there were no such thing
    return true;
  }
  serve_metrics(s, *metrics, out);
  return true;
}

void request_handler::serve_metrics(const site& s, const metrics_exporter& metrics, response& out) {
  stats_registry::process().snapshot(snapshot_, s.cfg->extensions.tls.get());
  snapshot_.audit = s.cfg->extensions.access ? s.cfg->extensions.access->audit_counts() : std::nullopt;
  snapshot_.rate_limits = s.cfg->extensions.limits ? std::optional(s.cfg->extensions.limits->stats()) : std::nullopt;
  scratch_.clear();
  metrics.render(snapshot_, scratch_);
  out.status = 200;
  out.add("Content-Type", metrics_content_type);
  out.add("Cache-Control", "no-store");
  out.set_text_body(scratch_);
}

void request_handler::options(const request& req, const site& s, response& out) {
  out.status = 204;
  if (req.path != "*") {
    if (normalize_path(req.path, path_) != path_status::ok) {
      error(400, &req, s, out);
      return;
    }
    const auto origin = req.header("origin");
    bool has_method = false;
    const auto wanted = req.header("access-control-request-method", &has_method);
    rule_headers_.clear();
    if (!origin.empty() && has_method && s.rules.preflight(path_, origin, wanted, rule_headers_)) {
      for (const auto& h : rule_headers_) out.add(h.name, h.value);
      return;
    }
    for (const auto& h : rule_headers_) out.add(h.name, h.value);
  }
  out.add("Allow", allowed_methods);
}

void request_handler::serve_path(const request& req, const request_context& ctx, const site& s, response& out) {
  auto found = files_.for_site(s).open(s.resolver, path_, lookup_time(ctx));
  switch (found.kind) {
    case lookup_kind::file:
      if (path_.size() > 1 && path_.back() == '/') break;  // "/file.txt/" is not the file
      serve_file(req, ctx, s, std::move(found), path_, out);
      return;
    case lookup_kind::directory:
      serve_directory(req, ctx, s, out);
      return;
    case lookup_kind::forbidden:
      error(403, &req, s, out);
      return;
    case lookup_kind::error:
      log::error("open {}: {}", path_, std::generic_category().message(found.error));
      error(found.error == EMFILE || found.error == ENFILE ? 503 : 500, &req, s, out);
      return;
    case lookup_kind::not_found:
      break;
  }
  const auto& spa = s.cfg->spa_fallback;
  if (!spa.empty() && !file_resolver::has_dot_segment(path_)) {
    auto fallback = files_.for_site(s).open(s.resolver, spa, lookup_time(ctx));
    if (fallback.kind == lookup_kind::file) {
      serve_file(req, ctx, s, std::move(fallback), spa, out);
      return;
    }
  }
  error(404, &req, s, out);
}

void request_handler::serve_directory(const request& req, const request_context& ctx, const site& s,
                                      response& out) {
  if (path_.back() != '/') {
    // The normalised path never starts with "//", so Location cannot be protocol-relative.
    out.status = 301;
    scratch_.clear();
    // Percent-encoded again: path characters (RFC 3986 pchar and '/') stay as they are.
    append_percent_encoded(scratch_, path_, "!$&'()*+,;=:@/");
    scratch_.push_back('/');
    if (req.has_query) {
      scratch_.push_back('?');
      scratch_.append(req.query);
    }
    out.add("Location", scratch_);
    out.add("Content-Type", "text/plain; charset=utf-8");
    out.set_text_body("301 Moved Permanently\n");
    apply_header_rules(req, s, out);
    return;
  }
  for (const auto& index : s.cfg->index_files) {
    scratch_.assign(path_);
    scratch_.append(index);
    auto found = files_.for_site(s).open(s.resolver, scratch_, lookup_time(ctx));
    if (found.kind == lookup_kind::file) {
      // The index file's name picks the type and the sidecars; scratch_ is reused below.
      index_path_.assign(scratch_);
      serve_file(req, ctx, s, std::move(found), index_path_, out);
      return;
    }
  }
  if (s.cfg->directory_listing) {
    serve_listing(req, s, out);
    return;
  }
  error(404, &req, s, out);
}

void request_handler::serve_listing(const request& req, const site& s, response& out) {
  const int fd = s.resolver.open_directory(path_);
  std::vector<listing_entry> entries;
  const bool hide_dotfiles = s.cfg->dotfiles == dotfile_policy::deny;
  if (fd < 0 || !platform::read_directory(fd, max_listing_entries, hide_dotfiles, entries)) {
    error(404, &req, s, out);
    return;
  }
  out.status = 200;
  if (listing_wants_json(req.header("accept"))) {
    out.add("Content-Type", "application/json; charset=utf-8");
    out.set_text_body(render_listing_json(std::move(entries)));
  } else {
    out.add("Content-Type", "text/html; charset=utf-8");
    out.set_text_body(render_listing_html(path_, std::move(entries)));
  }
  out.add("Vary", "Accept");
  out.add("Cache-Control", "no-cache");
  apply_header_rules(req, s, out);
}

std::shared_ptr<const open_file> request_handler::open_sidecar(const request_context& ctx, const site& s,
                                                               std::string_view name, std::string_view coding) {
  scratch_.assign(name);
  scratch_.append(sidecar_suffix(coding));
  auto found = files_.for_site(s).open(s.resolver, scratch_, lookup_time(ctx));
  return found.kind == lookup_kind::file ? std::move(found.file) : nullptr;
}

void request_handler::serve_file(const request& req, const request_context& ctx, const site& s, file_entry found,
                                 std::string_view name, response& out) {
  std::shared_ptr<const open_file> file = std::move(found.file);
  const std::string_view content_type = found.facts.content_type;
  const auto& encoders = s.cfg->extensions.encoders;
  const bool compressible_on_the_fly = found.facts.compressible;
  bool has_accept_encoding = false;
  const auto accept_encoding = req.header("accept-encoding", &has_accept_encoding);
  bool has_range = false;
  const auto range_header = req.header("range", &has_range);

  // Precompressed sidecars: which exist (through the cache), then the client's best among them.
  // A file with any sidecar is negotiable even for a client that gets identity, so caches must
  // see Vary; a compressible file varies anyway, so without Accept-Encoding it needs no probe.
  std::string_view coding;
  bool vary = compressible_on_the_fly;
  if (!s.sidecar_codings.empty() && (has_accept_encoding || !compressible_on_the_fly)) {
    const std::uint32_t present_bits = files_.for_site(s).variants(s.resolver, name, s.sidecar_suffixes, lookup_time(ctx));
    std::array<std::string_view, 3> present_codings;
    std::size_t present = 0;
    for (std::size_t i = 0; i < s.sidecar_codings.size() && present < present_codings.size(); ++i) {
      if ((present_bits >> i) & 1) present_codings[present++] = s.sidecar_codings[i];
    }
    vary = vary || present > 0;
    if (has_accept_encoding && present > 0) {
      coding = choose_encoding(accept_encoding, {present_codings.data(), present});
      if (!coding.empty()) {
        auto sidecar = open_sidecar(ctx, s, name, coding);
        if (sidecar) {
          file = std::move(sidecar);
        } else {
          coding = {};  // gone since the cache last looked: the file itself is sent
        }
      }
    }
  }

  // On-the-fly compression: no sidecar chosen, worth it, the protocol can stream, no Range.
  // Under CPU pressure it is the work the worker sheds first: the cheapest level while pressure
  // is high, none while it is severe (identity, still with Vary; sidecars cost nothing to send,
  // so they are chosen above whatever the pressure).
  bool on_the_fly = false;
  bool skipped_for_pressure = false;
  bool cheapest = false;
  if (coding.empty() && compressible_on_the_fly && ctx.can_stream && !has_range && has_accept_encoding) {
    const auto chosen = choose_encoding(accept_encoding, encoders->codings());
    const auto pressure = ctx.pressure != nullptr && encoders->yields_to_cpu_pressure() ? ctx.pressure->level()
                                                                                         : cpu_pressure_level::none;
    if (!chosen.empty() && pressure == cpu_pressure_level::severe) {
      skipped_for_pressure = true;
    } else if (!chosen.empty()) {
      coding = chosen;
      on_the_fly = true;
      cheapest = pressure == cpu_pressure_level::high;
    }
  }

  const std::string_view etag = etag_of(etag_, *file, coding, on_the_fly);
  const validators current{etag, file->mtime};
  const std::string_view last_modified_text = file->last_modified_text();

  auto common_headers = [&](response& r) {
    r.add("ETag", etag);
    r.add("Last-Modified", last_modified_text);
    if (vary) r.add("Vary", "Accept-Encoding");
  };

  switch (evaluate_preconditions(conditionals_of(req), current, req.is_get_or_head())) {
    case precondition::not_modified:
      out.status = 304;
      common_headers(out);
      apply_header_rules(req, s, out);
      return;
    case precondition::failed:
      error(412, &req, s, out);
      return;
    case precondition::proceed:
      break;
  }

  out.add("Content-Type", content_type);
  common_headers(out);
  if (!coding.empty()) out.add("Content-Encoding", coding);
  const std::uint64_t size = file->size;
  out.file = std::move(file);

  // Counted once the response is known to carry a body (not a 304 or 412).
  if (skipped_for_pressure) ctx.pressure->count_skipped();
  if (on_the_fly) {
    out.status = 200;
    out.encoder = cheapest ? encoders->create_cheapest(coding) : encoders->create(coding);
    if (cheapest) ctx.pressure->count_lowered();
    if (!out.encoder) {
      error(500, &req, s, out);
      return;
    }
    out.add_file_segment(0, size);
    apply_header_rules(req, s, out);
    return;
  }

  out.add("Accept-Ranges", "bytes");
  out.status = 200;
  if (has_range && req.method == http_method::get) {
    bool apply = true;
    bool has_if_range = false;
    const auto if_range = req.header("if-range", &has_if_range);
    if (has_if_range) apply = if_range_matches(if_range, current);
    if (apply) {
      const auto ranges = parse_range(range_header, size, s.cfg->limits.max_ranges);
      if (ranges.outcome == range_outcome::unsatisfiable) {
        out.file.reset();
        error(416, &req, s, out);
        scratch_.assign("bytes */");
        append_decimal(scratch_, size);
        out.add("Content-Range", scratch_);
        return;
      }
      if (ranges.outcome == range_outcome::partial) {
        out.status = 206;
        if (ranges.ranges.size() == 1) {
          const auto& r = ranges.ranges.front();
          scratch_.assign("bytes ");
          append_decimal(scratch_, r.first);
          scratch_.push_back('-');
          append_decimal(scratch_, r.last);
          scratch_.push_back('/');
          append_decimal(scratch_, size);
          out.add("Content-Range", scratch_);
          out.add_file_segment(r.first, r.length());
        } else {
          multipart_byteranges parts(random_boundary(), content_type, size, ranges.ranges);
          out.set("Content-Type", parts.content_type());
          for (std::size_t i = 0; i < ranges.ranges.size(); ++i) {
            out.add_text_segment(parts.part_header(i));
            out.add_file_segment(ranges.ranges[i].first, ranges.ranges[i].length());
          }
          out.add_text_segment(parts.trailer());
        }
        apply_header_rules(req, s, out);
        return;
      }
    }
  }
  if (size > 0) out.add_file_segment(0, size);
  apply_header_rules(req, s, out);
}

void request_handler::apply_header_rules(const request& req, const site& s, response& out) {
  if (s.rules.empty()) return;  // most hosts have none: no Origin lookup, no path matching
  rule_headers_.clear();
  const std::string_view path = path_.empty() ? req.path : std::string_view(path_);
  s.rules.apply(path, req.header("origin"), rule_headers_);
  for (const auto& h : rule_headers_) {
    if (iequals(h.name, "vary")) {
      out.add(h.name, h.value);  // Vary lists combine
    } else if (h.value.empty()) {
      out.remove(h.name);
    } else {
      out.set(h.name, h.value);
    }
  }
}

void request_handler::error(int status, const request* req, const site& s, response& out) {
  const bool head_only = out.head_only;
  const bool close = out.close;
  out.clear();
  out.head_only = head_only;
  out.close = close;
  out.status = status;
  if (status == 405) out.add("Allow", allowed_methods);
  const auto page = s.cfg->error_pages.find(status);
  if (page != s.cfg->error_pages.end()) {
    auto found = files_.for_site(s).open(s.resolver, page->second);
    if (found.kind == lookup_kind::file) {
      out.add("Content-Type", found.facts.content_type);
      const auto size = found.file->size;
      out.file = std::move(found.file);
      if (size > 0) out.add_file_segment(0, size);
      if (req != nullptr) apply_header_rules(*req, s, out);
      return;
    }
  }
  out.add("Content-Type", "text/plain; charset=utf-8");
  scratch_.clear();
  append_decimal(scratch_, static_cast<std::uint64_t>(status));
  scratch_.push_back(' ');
  scratch_.append(reason_phrase(status));
  scratch_.push_back('\n');
  out.set_text_body(scratch_);
  if (req != nullptr && status != 400) apply_header_rules(*req, s, out);
}

}  // namespace ferry
