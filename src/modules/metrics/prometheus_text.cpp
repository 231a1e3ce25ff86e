#include "modules/metrics/prometheus_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

namespace ferry {
namespace {

using label = std::pair<std::string_view, std::string_view>;

constexpr std::array<std::string_view, metric_protocols> protocol_names{"http/1.0", "http/1.1", "h2"};
constexpr std::array<std::string_view, metric_methods> method_names{"GET", "HEAD", "OPTIONS", "other"};
constexpr std::array<std::string_view, metric_status_classes> class_names{"1xx", "2xx", "3xx", "4xx", "5xx"};

// Length of the valid UTF-8 sequence starting at text[0], or 0 when it is not one (overlong
// forms, surrogates and code points above U+10FFFF are not valid).
std::size_t utf8_sequence(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;  // allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

// Writes the families in order; each sample is `name{labels} value\n`.
class exposition {
 public:
  explicit exposition(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;  // constant text without '\' or LF, so nothing to escape
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  template <class T>
  void sample(std::string_view name, std::string_view suffix, std::initializer_list<label> labels, T value) {
    out_ += name;
    out_ += suffix;
    if (labels.size() != 0) {
      char separator = '{';
      for (const auto& [key, text] : labels) {
        out_ += separator;
        out_ += key;
        out_ += "=\"";
        append_label_value(text, out_);
        out_ += '"';
        separator = ',';
      }
      out_ += '}';
    }
    out_ += ' ';
    append_sample_value(value, out_);
    out_ += '\n';
  }

  template <class T>
  void sample(std::string_view name, std::initializer_list<label> labels, T value) {
    sample(name, "", labels, value);
  }

 private:
  std::string& out_;
};

// A bucket bound as label text, in a caller's buffer.
std::string_view bound_text(double bound, std::array<char, 64>& buffer) {
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), bound,
                                          std::chars_format::fixed);
  if (error != std::errc()) return "+Inf";  // not for the finite constants we have
  return std::string_view(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

std::int64_t saturating_difference(std::int64_t a, std::int64_t b) {
  std::int64_t result = 0;
  if (!__builtin_sub_overflow(a, b, &result)) return result;
  return b < 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

// Per virtual host ([[vhosts]]): the families appear once a host has counted something; the
// default host is in the totals only.
void render_vhosts(const std::vector<vhost_counts>& vhosts, exposition& x) {
  if (vhosts.empty()) return;
  x.family("ferry_vhost_requests_total", "counter", "HTTP requests answered, by virtual host and status class.");
  for (const vhost_counts& v : vhosts) {
    for (std::size_t c = 0; c < metric_status_classes; ++c) {
      x.sample("ferry_vhost_requests_total", {{"vhost", v.name}, {"code_class", class_names[c]}}, v.requests[c]);
    }
  }
  x.family("ferry_vhost_response_body_bytes_total", "counter", "Response body bytes sent, by virtual host.");
  for (const vhost_counts& v : vhosts) {
    x.sample("ferry_vhost_response_body_bytes_total", {{"vhost", v.name}}, v.response_bytes);
  }
  x.family("ferry_vhost_refused_total", "counter",
           "Requests answered 503 by a virtual host's own max_inflight or max_connections cap, or its fair share.");
  for (const vhost_counts& v : vhosts) x.sample("ferry_vhost_refused_total", {{"vhost", v.name}}, v.refused);
  x.family("ferry_vhost_bandwidth_waits_total", "counter",
           "Times a response body of the virtual host paused because its max_bandwidth was spent.");
  for (const vhost_counts& v : vhosts) {
    x.sample("ferry_vhost_bandwidth_waits_total", {{"vhost", v.name}}, v.bandwidth_waits);
  }
}

void render_requests(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_requests_total", "counter", "HTTP requests answered, by protocol, method and status class.");
  for (std::size_t p = 0; p < metric_protocols; ++p) {
    for (std::size_t m = 0; m < metric_methods; ++m) {
      for (std::size_t c = 0; c < metric_status_classes; ++c) {
        x.sample("ferry_requests_total",
                 {{"protocol", protocol_names[p]}, {"method", method_names[m]}, {"code_class", class_names[c]}},
                 s.requests[p][m][c]);
      }
    }
  }
  x.family("ferry_response_body_bytes_total", "counter", "Response body bytes sent, by protocol.");
  for (std::size_t p = 0; p < metric_protocols; ++p) {
    x.sample("ferry_response_body_bytes_total", {{"protocol", protocol_names[p]}}, s.response_bytes[p]);
  }
  render_vhosts(s.vhosts, x);
}

void render_durations(const metrics_snapshot& s, exposition& x) {
  constexpr std::string_view name = "ferry_request_duration_seconds";
  x.family(name, "histogram", "Time to answer a request, in seconds, by protocol.");
  std::array<char, 64> buffer{};
  for (std::size_t p = 0; p < metric_protocols; ++p) {
    const std::string_view protocol = protocol_names[p];
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < request_duration_bounds.size(); ++b) {
      cumulative += s.duration_buckets[p][b];
      x.sample(name, "_bucket", {{"protocol", protocol}, {"le", bound_text(request_duration_bounds[b], buffer)}},
               cumulative);
    }
    cumulative += s.duration_buckets[p][request_duration_bounds.size()];
    x.sample(name, "_bucket", {{"protocol", protocol}, {"le", "+Inf"}}, cumulative);
    x.sample(name, "_sum", {{"protocol", protocol}}, s.duration_sum_seconds[p]);
    x.sample(name, "_count", {{"protocol", protocol}}, cumulative);
  }
}

void render_connections(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_connections_open", "gauge", "Client connections open now.");
  x.sample("ferry_connections_open", {}, s.connections_open);
  x.family("ferry_connections_accepted_total", "counter", "Client connections accepted.");
  x.sample("ferry_connections_accepted_total", {}, s.connections_accepted);
  x.family("ferry_connections_refused_total", "counter",
           "Client connections closed at once because limits.max_connections was reached.");
  x.sample("ferry_connections_refused_total", {}, s.connections_refused);
  x.family("ferry_requests_inflight", "gauge", "Requests being answered now.");
  x.sample("ferry_requests_inflight", {}, s.requests_inflight);
  x.family("ferry_requests_queued", "gauge", "Requests waiting for admission now.");
  x.sample("ferry_requests_queued", {}, s.requests_queued);
  x.family("ferry_admission_limit", "gauge", "Current limit on requests in flight, summed over the workers.");
  x.sample("ferry_admission_limit", {}, s.admission_limit);
  x.family("ferry_admission_rejected_total", "counter", "Requests refused with 503 by admission control.");
  x.sample("ferry_admission_rejected_total", {}, s.admission_rejected);
}

void render_files(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_open_file_cache_hits_total", "counter", "Lookups answered by the open file cache.");
  x.sample("ferry_open_file_cache_hits_total", {}, s.file_cache_hits);
  x.family("ferry_open_file_cache_misses_total", "counter", "Lookups that had to open the file.");
  x.sample("ferry_open_file_cache_misses_total", {}, s.file_cache_misses);
  x.family("ferry_file_bytes_sent_total", "counter",
           "File bytes sent, by method: sendfile (zero-copy) or copy (read, then written).");
  x.sample("ferry_file_bytes_sent_total", {{"method", "sendfile"}}, s.sendfile_bytes);
  x.sample("ferry_file_bytes_sent_total", {{"method", "copy"}}, s.copy_bytes);
}

// Shedding compression work is the worker's answer to a loop falling behind; the gauge says
// whether it is happening now, the counters how many responses it touched.
void render_cpu_pressure(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_cpu_pressure", "gauge",
           "Worker CPU pressure judged from event-loop delay, highest over the workers: 0 none, 1 high, 2 severe.");
  x.sample("ferry_cpu_pressure", {}, s.cpu_pressure);
  x.family("ferry_compression_lowered_total", "counter",
           "Responses compressed on the fly at the cheapest level instead of the configured one, under CPU "
           "pressure.");
  x.sample("ferry_compression_lowered_total", {}, s.compression_lowered);
  x.family("ferry_compression_skipped_total", "counter",
           "Responses sent without the on-the-fly compression they would have had, by reason.");
  x.sample("ferry_compression_skipped_total", {{"reason", "cpu_pressure"}}, s.compression_skipped);
}

void render_tls(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_tls_handshakes_total", "counter", "TLS handshakes completed.");
  x.sample("ferry_tls_handshakes_total", {}, s.tls_handshakes);
  x.family("ferry_tls_handshake_failures_total", "counter", "TLS handshakes that failed.");
  x.sample("ferry_tls_handshake_failures_total", {}, s.tls_handshake_failures);
  x.family("ferry_certificate_expiry_seconds", "gauge",
           "Seconds until the certificate expires (negative once expired), by its first name.");
  // Two certificates with one name would be two identical series, which Prometheus refuses;
  // the one expiring first is the one to watch.
  const auto& certificates = s.certificates;
  std::vector<std::size_t> order(certificates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&certificates](std::size_t a, std::size_t b) {
    const certificate_expiry& first = certificates[a];
    const certificate_expiry& second = certificates[b];
    return first.name != second.name ? first.name < second.name : first.not_after < second.not_after;
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const certificate_expiry& certificate = certificates[order[i]];
    if (i > 0 && certificates[order[i - 1]].name == certificate.name) continue;
    x.sample("ferry_certificate_expiry_seconds", {{"name", certificate.name}},
             saturating_difference(certificate.not_after, s.now));
  }
}

// The shared (Redis) backend: how its calls went, and what the limits did when it could not
// decide (a rising fallback count with action="closed" is requests answered 503).
void render_rate_limit_redis(const rate_limit_redis_stats& r, exposition& x) {
  x.family("ferry_rate_limit_redis_calls_total", "counter", "Rate-limit decisions asked of Redis.");
  x.sample("ferry_rate_limit_redis_calls_total", {}, r.calls);
  x.family("ferry_rate_limit_redis_errors_total", "counter",
           "Rate-limit calls Redis did not answer usefully: error reply, timeout, or no connection available.");
  x.sample("ferry_rate_limit_redis_errors_total", {{"kind", "error"}}, r.errors);
  x.sample("ferry_rate_limit_redis_errors_total", {{"kind", "timeout"}}, r.timeouts);
  x.sample("ferry_rate_limit_redis_errors_total", {{"kind", "unavailable"}}, r.unavailable);
  constexpr std::string_view latency = "ferry_rate_limit_redis_latency_seconds";
  x.family(latency, "histogram", "Round trip of rate-limit calls to Redis, in seconds.");
  std::array<char, 64> buffer{};
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < rate_limit_redis_stats::latency_bounds.size(); ++b) {
    cumulative += r.latency_buckets[b];
    x.sample(latency, "_bucket", {{"le", bound_text(rate_limit_redis_stats::latency_bounds[b], buffer)}}, cumulative);
  }
  cumulative += r.latency_buckets[rate_limit_redis_stats::latency_bounds.size()];
  x.sample(latency, "_bucket", {{"le", "+Inf"}}, cumulative);
  x.sample(latency, "_sum", {}, r.latency_sum_seconds);
  x.sample(latency, "_count", {}, cumulative);
  x.family("ferry_rate_limit_redis_connections", "gauge", "Connections to Redis up now, over the workers.");
  x.sample("ferry_rate_limit_redis_connections", {}, r.connections);
  x.family("ferry_rate_limit_redis_reconnects_total", "counter", "Attempts to connect to Redis again.");
  x.sample("ferry_rate_limit_redis_reconnects_total", {}, r.reconnects);
  x.family("ferry_rate_limit_fallbacks_total", "counter",
           "Limit decisions Redis could not make, by what was done instead: local, open (let through) or "
           "closed (503).");
  x.sample("ferry_rate_limit_fallbacks_total", {{"action", "local"}}, r.fallback_local);
  x.sample("ferry_rate_limit_fallbacks_total", {{"action", "open"}}, r.fallback_open);
  x.sample("ferry_rate_limit_fallbacks_total", {{"action", "closed"}}, r.fallback_closed);
}

void render_process(const metrics_snapshot& s, exposition& x) {
  x.family("ferry_config_reloads_total", "counter", "Configuration reloads, by result.");
  x.sample("ferry_config_reloads_total", {{"result", "ok"}}, s.reloads_ok);
  x.sample("ferry_config_reloads_total", {{"result", "failed"}}, s.reloads_failed);
  x.family("ferry_workers", "gauge", "Worker threads serving requests.");
  x.sample("ferry_workers", {}, static_cast<std::uint64_t>(s.workers));
  if (s.audit) {
    // Dropped audit events are holes in the trail: worth an alert of their own.
    x.family("ferry_audit_events_total", "counter",
             "Audit events: written, dropped (queue full) or failed (write error).");
    x.sample("ferry_audit_events_total", {{"result", "written"}}, s.audit->written);
    x.sample("ferry_audit_events_total", {{"result", "dropped"}}, s.audit->dropped);
    x.sample("ferry_audit_events_total", {{"result", "failed"}}, s.audit->failed);
  }
  if (s.rate_limits) {
    x.family("ferry_rate_limited_total", "counter", "Requests refused with 429, by the limit that refused them.");
    for (const rate_limit_counts& limit : s.rate_limits->limits) {
      x.sample("ferry_rate_limited_total", {{"limit", limit.name}}, limit.limited);
    }
    x.family("ferry_rate_limit_keys", "gauge", "Clients the rate limits remember now.");
    x.sample("ferry_rate_limit_keys", {}, s.rate_limits->keys);
    x.family("ferry_rate_limit_evictions_total", "counter", "Clients forgotten to stay within rate_limit.max_keys.");
    x.sample("ferry_rate_limit_evictions_total", {}, s.rate_limits->evictions);
    if (s.rate_limits->redis) render_rate_limit_redis(*s.rate_limits->redis, x);
  }
}

template <class T>
void append_integer(T value, std::string& out) {
  char buffer[24];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)error;  // 24 bytes hold any 64-bit integer
  out.append(buffer, end);
}

}  // namespace

void append_label_value(std::string_view value, std::string& out) {
  std::size_t i = 0;
  while (i < value.size()) {
    const char c = value[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      const std::size_t length = utf8_sequence(value.substr(i));
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out.append(value.data() + i, length);
        i += length;
      }
      continue;
    }
    ++i;
  }
}

void append_sample_value(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Fixed notation reads better ("0.0005", not "5e-04") where it stays short.
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char buffer[64];
  const auto [end, error] =
      fixed ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc()) {
    out += "NaN";  // cannot happen: 64 bytes hold any shortest spelling in these ranges
    return;
  }
  out.append(buffer, end);
}

void append_sample_value(std::uint64_t value, std::string& out) {
  append_integer(value, out);
}

void append_sample_value(std::int64_t value, std::string& out) {
  append_integer(value, out);
}

void render_prometheus_text(const metrics_snapshot& snapshot, std::string& out) {
  // About 110 lines of ~70 bytes plus the certificates: one growth at most.
  out.reserve(out.size() + 12 * 1024 + snapshot.certificates.size() * 96);
  exposition x(out);
  render_requests(snapshot, x);
  render_durations(snapshot, x);
  render_connections(snapshot, x);
  render_files(snapshot, x);
  render_cpu_pressure(snapshot, x);
  render_tls(snapshot, x);
  render_process(snapshot, x);
}

}  // namespace ferry
