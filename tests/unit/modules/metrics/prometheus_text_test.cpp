// The Prometheus text rendering, read back by a strict parser of the 0.0.4 format written here:
// every sample belongs to a family announced by HELP and TYPE, labels are well formed, values
// parse, histograms are cumulative and end at +Inf with _count equal to it. Then specific
// values from a hand-built snapshot.
#include "modules/metrics/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ferry {
namespace {

certificate_expiry expiry(std::string name, std::int64_t not_after) {
  certificate_expiry out;
  out.name = std::move(name);
  out.not_after = not_after;
  return out;
}

using label_set = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_set labels;
  std::string value_text;
  double value = 0;
};

struct family {
  std::string help;
  std::string type;
};

struct exposition_text {
  std::map<std::string, family> families;
  std::vector<sample> samples;
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// Reads [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) or [a-zA-Z_][a-zA-Z0-9_]* (label names).
std::optional<std::string> read_name(std::string_view& text, bool colons) {
  std::size_t n = 0;
  while (n < text.size() && (is_name_char(text[n]) || (colons && text[n] == ':'))) ++n;
  if (n == 0 || (text[0] >= '0' && text[0] <= '9')) return std::nullopt;
  std::string name(text.substr(0, n));
  text.remove_prefix(n);
  return name;
}

std::optional<double> parse_value(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
                                         : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0xffu >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    static constexpr std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < minimum[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

// The sample's family: the name itself, or for a histogram the name without its suffix.
std::string family_of(const std::string& name, const std::map<std::string, family>& families) {
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      const auto found = families.find(base);
      if (found != families.end() && found->second.type == "histogram") return base;
    }
  }
  return name;
}

// Parses `text`, failing the test (and returning what it got so far) on the first violation.
exposition_text parse_exposition(std::string_view text) {
  exposition_text out;
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::string current;  // the family whose samples may follow
  std::string pending_help;
  std::set<std::string> series;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      ADD_FAILURE() << "unterminated last line";
      return out;
    }
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const std::string where = "line " + std::to_string(line_number) + ": " + std::string(line);
    if (line.empty()) {
      ADD_FAILURE() << where << " (empty line)";
      return out;
    }
    if (line.substr(0, 7) == "# HELP ") {
      line.remove_prefix(7);
      const auto name = read_name(line, true);
      if (!name || line.empty() || line.front() != ' ' || out.families.count(*name) != 0) {
        ADD_FAILURE() << where << " (bad or repeated HELP)";
        return out;
      }
      EXPECT_EQ(line.find('\\'), std::string_view::npos) << where;
      pending_help = *name;
      out.families[*name].help = std::string(line.substr(1));
      current.clear();
      continue;
    }
    if (line.substr(0, 7) == "# TYPE ") {
      line.remove_prefix(7);
      const auto name = read_name(line, true);
      static const std::set<std::string, std::less<>> types{"counter", "gauge", "histogram", "summary", "untyped"};
      if (!name || *name != pending_help || line.empty() || line.front() != ' ' ||
          types.count(line.substr(1)) == 0) {
        ADD_FAILURE() << where << " (TYPE must follow the HELP of the same family)";
        return out;
      }
      out.families[*name].type = std::string(line.substr(1));
      pending_help.clear();
      current = *name;
      continue;
    }
    if (line.front() == '#') {
      ADD_FAILURE() << where << " (unexpected comment)";
      return out;
    }
    sample s;
    const auto name = read_name(line, true);
    if (!name) {
      ADD_FAILURE() << where << " (bad metric name)";
      return out;
    }
    s.name = *name;
    if (!line.empty() && line.front() == '{') {
      line.remove_prefix(1);
      while (true) {
        const auto label_name = read_name(line, false);
        if (!label_name || line.substr(0, 2) != "=\"") {
          ADD_FAILURE() << where << " (bad label)";
          return out;
        }
        line.remove_prefix(2);
        std::string value;
        bool closed = false;
        while (!line.empty()) {
          const char c = line.front();
          line.remove_prefix(1);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (line.empty()) break;
            const char escaped = line.front();
            line.remove_prefix(1);
            if (escaped == '\\') value += '\\';
            else if (escaped == '"') value += '"';
            else if (escaped == 'n') value += '\n';
            else break;
            continue;
          }
          value += c;
        }
        if (!closed || !s.labels.emplace(*label_name, value).second) {
          ADD_FAILURE() << where << " (bad label value or repeated label)";
          return out;
        }
        if (!line.empty() && line.front() == ',') {
          line.remove_prefix(1);
          continue;
        }
        if (!line.empty() && line.front() == '}') {
          line.remove_prefix(1);
          break;
        }
        ADD_FAILURE() << where << " (bad label list)";
        return out;
      }
    }
    if (line.empty() || line.front() != ' ') {
      ADD_FAILURE() << where << " (no value)";
      return out;
    }
    line.remove_prefix(1);
    s.value_text = std::string(line);  // no timestamp: ferry never sends one
    const auto value = parse_value(line);
    if (!value) {
      ADD_FAILURE() << where << " (bad value)";
      return out;
    }
    s.value = *value;
    if (current.empty() || family_of(s.name, out.families) != current) {
      ADD_FAILURE() << where << " (sample outside its family's group)";
      return out;
    }
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "\x01" + k + "\x02" + v;
    if (!series.insert(key).second) {
      ADD_FAILURE() << where << " (duplicate series)";
      return out;
    }
    if (out.families[current].type == "counter") {
      EXPECT_GE(s.value, 0) << where;
      EXPECT_EQ(s.name.size() > 6 && s.name.substr(s.name.size() - 6) == "_total", true) << where;
    }
    out.samples.push_back(std::move(s));
  }
  EXPECT_TRUE(pending_help.empty()) << "HELP without TYPE";
  return out;
}

// Histograms: per label set (without le), buckets with increasing bounds, cumulative counts,
// a last +Inf bucket, and _count equal to it; _sum present.
void check_histograms(const exposition_text& text) {
  for (const auto& [name, fam] : text.families) {
    if (fam.type != "histogram") continue;
    std::map<label_set, std::vector<std::pair<double, double>>> buckets;
    std::map<label_set, double> counts;
    std::map<label_set, double> sums;
    for (const sample& s : text.samples) {
      if (family_of(s.name, text.families) != name) continue;
      if (s.name == name + "_bucket") {
        label_set labels = s.labels;
        const auto le = labels.find("le");
        ASSERT_NE(le, labels.end()) << name;
        const auto bound = parse_value(le->second);
        ASSERT_TRUE(bound.has_value()) << le->second;
        labels.erase(le);
        buckets[labels].emplace_back(*bound, s.value);
      } else if (s.name == name + "_count") {
        EXPECT_EQ(s.labels.count("le"), 0u);
        counts[s.labels] = s.value;
      } else if (s.name == name + "_sum") {
        sums[s.labels] = s.value;
      } else {
        ADD_FAILURE() << s.name << " in histogram " << name;
      }
    }
    EXPECT_FALSE(buckets.empty()) << name;
    for (const auto& [labels, list] : buckets) {
      ASSERT_FALSE(list.empty());
      for (std::size_t i = 1; i < list.size(); ++i) {
        EXPECT_LT(list[i - 1].first, list[i].first) << name;
        EXPECT_LE(list[i - 1].second, list[i].second) << name << " is not cumulative";
      }
      EXPECT_TRUE(std::isinf(list.back().first) && list.back().first > 0) << name << " does not end at +Inf";
      ASSERT_EQ(counts.count(labels), 1u) << name << "_count missing";
      EXPECT_EQ(counts.at(labels), list.back().second) << name << "_count differs from the +Inf bucket";
      EXPECT_EQ(sums.count(labels), 1u) << name << "_sum missing";
    }
    EXPECT_EQ(counts.size(), buckets.size());
  }
}

exposition_text render_and_parse(const metrics_snapshot& snapshot, std::string* raw = nullptr) {
  std::string out;
  render_prometheus_text(snapshot, out);
  if (raw != nullptr) *raw = out;
  exposition_text text = parse_exposition(out);
  check_histograms(text);
  return text;
}

const sample* find(const exposition_text& text, std::string_view name, const label_set& labels = {}) {
  for (const sample& s : text.samples) {
    if (s.name == name && s.labels == labels) return &s;
  }
  return nullptr;
}

std::string value_of(const exposition_text& text, std::string_view name, const label_set& labels = {}) {
  const sample* s = find(text, name, labels);
  return s == nullptr ? std::string("<missing>") : s->value_text;
}

metrics_snapshot busy_snapshot() {
  metrics_snapshot s;
  s.workers = 4;
  s.now = 1'700'000'000;
  s.requests[1][0][1] = 12'345'678'901'234;  // HTTP/1.1 GET 2xx
  s.requests[2][1][3] = 7;                   // h2 HEAD 4xx
  s.requests[0][3][4] = 1;                   // HTTP/1.0 other 5xx
  s.requests[1][2][0] = std::numeric_limits<std::uint64_t>::max();  // OPTIONS 1xx, as big as it gets
  s.response_bytes = {10, 20, 30};
  s.duration_buckets[2][0] = 1;
  s.duration_buckets[2][3] = 2;
  s.duration_buckets[2][request_duration_buckets - 1] = 4;
  s.duration_sum_seconds[2] = 42.125;
  s.duration_sum_seconds[1] = 0.1;
  s.connections_open = 11;
  s.connections_accepted = 12;
  s.connections_refused = 13;
  s.requests_inflight = 14;
  s.requests_queued = 15;
  s.admission_limit = 16;
  s.admission_rejected = 17;
  s.file_cache_hits = 18;
  s.file_cache_misses = 19;
  s.sendfile_bytes = 20;
  s.copy_bytes = 21;
  s.tls_handshakes = 22;
  s.tls_handshake_failures = 23;
  s.cpu_pressure = 2;
  s.compression_lowered = 26;
  s.compression_skipped = 27;
  s.certificates = {expiry("example.com", s.now + 86'400), expiry("expired.test", s.now - 10)};
  s.reloads_ok = 24;
  s.reloads_failed = 25;
  return s;
}

const std::vector<std::string> expected_families{
    "ferry_requests_total",
    "ferry_response_body_bytes_total",
    "ferry_request_duration_seconds",
    "ferry_connections_open",
    "ferry_connections_accepted_total",
    "ferry_connections_refused_total",
    "ferry_requests_inflight",
    "ferry_requests_queued",
    "ferry_admission_limit",
    "ferry_admission_rejected_total",
    "ferry_open_file_cache_hits_total",
    "ferry_open_file_cache_misses_total",
    "ferry_file_bytes_sent_total",
    "ferry_cpu_pressure",
    "ferry_compression_lowered_total",
    "ferry_compression_skipped_total",
    "ferry_tls_handshakes_total",
    "ferry_tls_handshake_failures_total",
    "ferry_certificate_expiry_seconds",
    "ferry_config_reloads_total",
    "ferry_workers",
};

TEST(prometheus_text, an_empty_snapshot_is_well_formed_with_every_family) {
  const exposition_text text = render_and_parse(metrics_snapshot{});
  std::set<std::string> names;
  for (const auto& [name, fam] : text.families) {
    names.insert(name);
    EXPECT_FALSE(fam.help.empty()) << name;
  }
  EXPECT_EQ(names, std::set<std::string>(expected_families.begin(), expected_families.end()));
  EXPECT_EQ(text.families.at("ferry_request_duration_seconds").type, "histogram");
  EXPECT_EQ(text.families.at("ferry_connections_open").type, "gauge");
  EXPECT_EQ(text.families.at("ferry_requests_total").type, "counter");
  EXPECT_EQ(text.families.at("ferry_certificate_expiry_seconds").type, "gauge");
  // No certificates: the family is announced with no series.
  for (const sample& s : text.samples) EXPECT_NE(s.name, "ferry_certificate_expiry_seconds");
}

TEST(prometheus_text, families_come_in_a_fixed_order) {
  std::string out;
  render_prometheus_text(busy_snapshot(), out);
  std::size_t last = 0;
  for (const std::string& name : expected_families) {
    const std::size_t at = out.find("# HELP " + name + " ");
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_GE(at, last) << name;
    last = at;
  }
}

TEST(prometheus_text, every_request_series_exists_from_the_start) {
  const exposition_text text = render_and_parse(metrics_snapshot{});
  std::size_t requests = 0;
  for (const sample& s : text.samples) {
    if (s.name != "ferry_requests_total") continue;
    ++requests;
    EXPECT_EQ(s.value_text, "0");
    EXPECT_EQ(s.labels.size(), 3u);
  }
  EXPECT_EQ(requests, 3u * 4u * 5u);
  for (const std::string protocol : {"http/1.0", "http/1.1", "h2"}) {
    for (const std::string method : {"GET", "HEAD", "OPTIONS", "other"}) {
      for (const std::string code_class : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
        EXPECT_NE(find(text, "ferry_requests_total",
                       {{"protocol", protocol}, {"method", method}, {"code_class", code_class}}),
                  nullptr)
            << protocol << " " << method << " " << code_class;
      }
    }
  }
}

TEST(prometheus_text, request_counts_land_on_their_labels) {
  const exposition_text text = render_and_parse(busy_snapshot());
  EXPECT_EQ(value_of(text, "ferry_requests_total", {{"protocol", "http/1.1"}, {"method", "GET"}, {"code_class", "2xx"}}),
            "12345678901234");
  EXPECT_EQ(value_of(text, "ferry_requests_total", {{"protocol", "h2"}, {"method", "HEAD"}, {"code_class", "4xx"}}),
            "7");
  EXPECT_EQ(value_of(text, "ferry_requests_total", {{"protocol", "http/1.0"}, {"method", "other"}, {"code_class", "5xx"}}),
            "1");
  EXPECT_EQ(
      value_of(text, "ferry_requests_total", {{"protocol", "http/1.1"}, {"method", "OPTIONS"}, {"code_class", "1xx"}}),
      "18446744073709551615");
  EXPECT_EQ(value_of(text, "ferry_requests_total", {{"protocol", "h2"}, {"method", "GET"}, {"code_class", "2xx"}}), "0");
  EXPECT_EQ(value_of(text, "ferry_response_body_bytes_total", {{"protocol", "http/1.0"}}), "10");
  EXPECT_EQ(value_of(text, "ferry_response_body_bytes_total", {{"protocol", "http/1.1"}}), "20");
  EXPECT_EQ(value_of(text, "ferry_response_body_bytes_total", {{"protocol", "h2"}}), "30");
}

// Per virtual host: absent until a host has counted something, then one series per host and
// status class, with names escaped like every label value.
TEST(prometheus_text, virtual_hosts_get_their_own_series) {
  EXPECT_EQ(render_and_parse(metrics_snapshot{}).families.count("ferry_vhost_requests_total"), 0u);
  metrics_snapshot s;
  vhost_counts shop;
  shop.name = "shop";
  shop.requests = {0, 41, 2, 3, 0};
  shop.response_bytes = 1234;
  shop.refused = 5;
  vhost_counts odd;
  odd.name = "a\"b";
  odd.requests[4] = 1;
  s.vhosts = {shop, odd};
  const exposition_text text = render_and_parse(s);
  EXPECT_EQ(text.families.at("ferry_vhost_requests_total").type, "counter");
  EXPECT_EQ(value_of(text, "ferry_vhost_requests_total", {{"vhost", "shop"}, {"code_class", "2xx"}}), "41");
  EXPECT_EQ(value_of(text, "ferry_vhost_requests_total", {{"vhost", "shop"}, {"code_class", "4xx"}}), "3");
  EXPECT_EQ(value_of(text, "ferry_vhost_requests_total", {{"vhost", "a\"b"}, {"code_class", "5xx"}}), "1");
  EXPECT_EQ(value_of(text, "ferry_vhost_response_body_bytes_total", {{"vhost", "shop"}}), "1234");
  EXPECT_EQ(value_of(text, "ferry_vhost_refused_total", {{"vhost", "shop"}}), "5");
}

TEST(prometheus_text, the_histogram_accumulates_buckets) {
  const exposition_text text = render_and_parse(busy_snapshot());
  const std::vector<std::string> bounds{"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                                        "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};
  std::vector<std::string> got_bounds;
  std::vector<std::string> got_counts;
  for (const sample& s : text.samples) {
    if (s.name == "ferry_request_duration_seconds_bucket" && s.labels.at("protocol") == "h2") {
      got_bounds.push_back(s.labels.at("le"));
      got_counts.push_back(s.value_text);
    }
  }
  EXPECT_EQ(got_bounds, bounds);
  EXPECT_EQ(got_counts, (std::vector<std::string>{"1", "1", "1", "3", "3", "3", "3", "3", "3", "3", "3", "3", "3",
                                                  "3", "7"}));
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_count", {{"protocol", "h2"}}), "7");
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_sum", {{"protocol", "h2"}}), "42.125");
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_sum", {{"protocol", "http/1.1"}}), "0.1");
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_count", {{"protocol", "http/1.0"}}), "0");
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_bucket", {{"protocol", "http/1.0"}, {"le", "+Inf"}}), "0");
}

TEST(prometheus_text, single_values) {
  const exposition_text text = render_and_parse(busy_snapshot());
  EXPECT_EQ(value_of(text, "ferry_connections_open"), "11");
  EXPECT_EQ(value_of(text, "ferry_connections_accepted_total"), "12");
  EXPECT_EQ(value_of(text, "ferry_connections_refused_total"), "13");
  EXPECT_EQ(value_of(text, "ferry_requests_inflight"), "14");
  EXPECT_EQ(value_of(text, "ferry_requests_queued"), "15");
  EXPECT_EQ(value_of(text, "ferry_admission_limit"), "16");
  EXPECT_EQ(value_of(text, "ferry_admission_rejected_total"), "17");
  EXPECT_EQ(value_of(text, "ferry_open_file_cache_hits_total"), "18");
  EXPECT_EQ(value_of(text, "ferry_open_file_cache_misses_total"), "19");
  EXPECT_EQ(value_of(text, "ferry_file_bytes_sent_total", {{"method", "sendfile"}}), "20");
  EXPECT_EQ(value_of(text, "ferry_file_bytes_sent_total", {{"method", "copy"}}), "21");
  EXPECT_EQ(value_of(text, "ferry_tls_handshakes_total"), "22");
  EXPECT_EQ(value_of(text, "ferry_tls_handshake_failures_total"), "23");
  EXPECT_EQ(value_of(text, "ferry_cpu_pressure"), "2");
  EXPECT_EQ(value_of(text, "ferry_compression_lowered_total"), "26");
  EXPECT_EQ(value_of(text, "ferry_compression_skipped_total", {{"reason", "cpu_pressure"}}), "27");
  EXPECT_EQ(value_of(text, "ferry_config_reloads_total", {{"result", "ok"}}), "24");
  EXPECT_EQ(value_of(text, "ferry_config_reloads_total", {{"result", "failed"}}), "25");
  EXPECT_EQ(value_of(text, "ferry_workers"), "4");
}

TEST(prometheus_text, audit_counts_appear_only_with_an_audit_log) {
  metrics_snapshot s;
  EXPECT_EQ(render_and_parse(s).families.count("ferry_audit_events_total"), 0U);
  s.audit = audit_log_counts{31, 32, 33};
  const exposition_text text = render_and_parse(s);
  EXPECT_EQ(value_of(text, "ferry_audit_events_total", {{"result", "written"}}), "31");
  EXPECT_EQ(value_of(text, "ferry_audit_events_total", {{"result", "dropped"}}), "32");
  EXPECT_EQ(value_of(text, "ferry_audit_events_total", {{"result", "failed"}}), "33");
}

TEST(prometheus_text, rate_limit_counts_appear_only_with_limits) {
  metrics_snapshot s;
  EXPECT_EQ(render_and_parse(s).families.count("ferry_rate_limited_total"), 0U);
  s.rate_limits = rate_limit_stats{{{"per-client", 41}, {"api", 0}}, 42, 43, std::nullopt};
  const exposition_text text = render_and_parse(s);
  EXPECT_EQ(value_of(text, "ferry_rate_limited_total", {{"limit", "per-client"}}), "41");
  EXPECT_EQ(value_of(text, "ferry_rate_limited_total", {{"limit", "api"}}), "0");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_keys"), "42");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_evictions_total"), "43");
  // The local backend: no Redis families.
  for (const auto& [name, fam] : text.families) EXPECT_EQ(name.find("redis"), std::string::npos) << name;
  EXPECT_EQ(text.families.count("ferry_rate_limit_fallbacks_total"), 0U);
}

rate_limit_redis_stats busy_redis_stats() {
  rate_limit_redis_stats r;
  r.calls = 1000;
  r.errors = 1;
  r.timeouts = 2;
  r.unavailable = 3;
  r.reconnects = 4;
  r.connections = 5;
  r.latency_buckets[0] = 10;  // <= 100 µs
  r.latency_buckets[3] = 5;   // (500 µs, 1 ms]
  r.latency_buckets[rate_limit_redis_stats::latency_bounds.size()] = 2;  // over 50 ms
  r.latency_sum_seconds = 0.25;
  r.fallback_local = 6;
  r.fallback_open = 7;
  r.fallback_closed = 8;
  return r;
}

TEST(prometheus_text, redis_rate_limit_families_with_the_redis_backend) {
  metrics_snapshot s;
  s.rate_limits = rate_limit_stats{{{"per-client", 1}}, 2, 3, busy_redis_stats()};
  const exposition_text text = render_and_parse(s);  // also checks the histogram's shape
  EXPECT_EQ(text.families.at("ferry_rate_limit_redis_calls_total").type, "counter");
  EXPECT_EQ(text.families.at("ferry_rate_limit_redis_errors_total").type, "counter");
  EXPECT_EQ(text.families.at("ferry_rate_limit_redis_latency_seconds").type, "histogram");
  EXPECT_EQ(text.families.at("ferry_rate_limit_redis_connections").type, "gauge");
  EXPECT_EQ(text.families.at("ferry_rate_limit_redis_reconnects_total").type, "counter");
  EXPECT_EQ(text.families.at("ferry_rate_limit_fallbacks_total").type, "counter");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_calls_total"), "1000");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_errors_total", {{"kind", "error"}}), "1");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_errors_total", {{"kind", "timeout"}}), "2");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_errors_total", {{"kind", "unavailable"}}), "3");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_reconnects_total"), "4");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_connections"), "5");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_fallbacks_total", {{"action", "local"}}), "6");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_fallbacks_total", {{"action", "open"}}), "7");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_fallbacks_total", {{"action", "closed"}}), "8");
  const std::vector<std::string> bounds{"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                        "0.005",  "0.01",    "0.025",  "0.05",  "+Inf"};
  std::vector<std::string> got_bounds;
  std::vector<std::string> got_counts;
  for (const sample& x : text.samples) {
    if (x.name != "ferry_rate_limit_redis_latency_seconds_bucket") continue;
    got_bounds.push_back(x.labels.at("le"));
    got_counts.push_back(x.value_text);
  }
  EXPECT_EQ(got_bounds, bounds);
  EXPECT_EQ(got_counts, (std::vector<std::string>{"10", "10", "10", "15", "15", "15", "15", "15", "15", "17"}));
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_latency_seconds_count"), "17");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_latency_seconds_sum"), "0.25");
}

TEST(prometheus_text, redis_series_exist_from_the_start) {
  metrics_snapshot s;
  s.rate_limits = rate_limit_stats{};
  s.rate_limits->redis = rate_limit_redis_stats{};
  const exposition_text text = render_and_parse(s);
  for (const char* kind : {"error", "timeout", "unavailable"}) {
    EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_errors_total", {{"kind", kind}}), "0") << kind;
  }
  for (const char* action : {"local", "open", "closed"}) {
    EXPECT_EQ(value_of(text, "ferry_rate_limit_fallbacks_total", {{"action", action}}), "0") << action;
  }
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_latency_seconds_bucket", {{"le", "+Inf"}}), "0");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_latency_seconds_sum"), "0");
  EXPECT_EQ(value_of(text, "ferry_rate_limit_redis_connections"), "0");
}

TEST(prometheus_text, certificate_expiry_may_be_negative) {
  const exposition_text text = render_and_parse(busy_snapshot());
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "example.com"}}), "86400");
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "expired.test"}}), "-10");
}

TEST(prometheus_text, a_repeated_certificate_name_reports_the_earliest_expiry) {
  metrics_snapshot s;
  s.now = 1000;
  s.certificates = {expiry("a.test", 5000), expiry("b.test", 3000), expiry("a.test", 2000), expiry("a.test", 9000)};
  const exposition_text text = render_and_parse(s);
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "a.test"}}), "1000");
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "b.test"}}), "2000");
}

TEST(prometheus_text, extreme_expiry_times_saturate) {
  metrics_snapshot s;
  s.now = std::numeric_limits<std::int64_t>::min();
  s.certificates = {expiry("far.test", std::numeric_limits<std::int64_t>::max())};
  EXPECT_EQ(value_of(render_and_parse(s), "ferry_certificate_expiry_seconds", {{"name", "far.test"}}),
            "9223372036854775807");
  s.now = std::numeric_limits<std::int64_t>::max();
  s.certificates = {expiry("old.test", std::numeric_limits<std::int64_t>::min())};
  EXPECT_EQ(value_of(render_and_parse(s), "ferry_certificate_expiry_seconds", {{"name", "old.test"}}),
            "-9223372036854775808");
}

TEST(prometheus_text, hostile_certificate_names_are_escaped) {
  metrics_snapshot s;
  const std::string hostile = std::string("a\"b\\c\nd} x=\"1\"\r\t") + std::string(1, '\0') + "z";
  s.certificates = {expiry(hostile, 1), expiry("bad\xff\xc0\xafutf8\xed\xa0\x80!", 2), expiry("ünïcødé.test", 3),
                    expiry("", 4)};
  std::string raw;
  const exposition_text text = render_and_parse(s, &raw);
  EXPECT_NE(find(text, "ferry_certificate_expiry_seconds", {{"name", hostile}}), nullptr) << raw;
  EXPECT_NE(find(text, "ferry_certificate_expiry_seconds",
                 {{"name", "bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDutf8\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!"}}),
            nullptr)
      << raw;
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "ünïcødé.test"}}), "3");
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", ""}}), "4");
}

TEST(prometheus_text, label_value_escaping) {
  const auto escaped = [](std::string_view value) {
    std::string out;
    append_label_value(value, out);
    return out;
  };
  EXPECT_EQ(escaped("plain"), "plain");
  EXPECT_EQ(escaped("a\\b"), "a\\\\b");
  EXPECT_EQ(escaped("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(escaped("two\nlines"), "two\\nlines");
  EXPECT_EQ(escaped("\\n"), "\\\\n");
  EXPECT_EQ(escaped("tab\there"), "tab\there");  // allowed as is
  EXPECT_EQ(escaped("\xe2\x82\xac"), "\xe2\x82\xac");
  EXPECT_EQ(escaped("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // > U+10FFFF
  EXPECT_EQ(escaped("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  const std::string long_text(100'000, '"');
  EXPECT_EQ(escaped(long_text).size(), 200'000u);
}

TEST(prometheus_text, every_byte_in_a_label_value_renders_parseably) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  metrics_snapshot s;
  s.certificates = {expiry(all, 1)};
  const exposition_text text = render_and_parse(s);
  ASSERT_EQ(text.samples.back().name, "ferry_workers");
  bool found = false;
  for (const sample& sample : text.samples) found |= sample.name == "ferry_certificate_expiry_seconds";
  EXPECT_TRUE(found);
}

std::string double_text(double value) {
  std::string out;
  append_sample_value(value, out);
  return out;
}

TEST(prometheus_text, double_spelling) {
  EXPECT_EQ(double_text(0.0), "0");
  EXPECT_EQ(double_text(1.0), "1");
  EXPECT_EQ(double_text(0.1), "0.1");
  EXPECT_EQ(double_text(0.0005), "0.0005");
  EXPECT_EQ(double_text(-2.5), "-2.5");
  EXPECT_EQ(double_text(123456789.125), "123456789.125");
  EXPECT_EQ(double_text(1e-7), "1e-07");
  EXPECT_EQ(double_text(1e20), "1e+20");
  EXPECT_EQ(double_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(double_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(double_text(std::numeric_limits<double>::quiet_NaN()), "NaN");
  for (const double extreme : {std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                               std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                               0.1 + 0.2, 1e15, 1e15 - 1, 1e-6, 9.99999e-7}) {
    const auto back = parse_value(double_text(extreme));
    ASSERT_TRUE(back.has_value()) << double_text(extreme);
    EXPECT_EQ(*back, extreme) << double_text(extreme);
  }
}

TEST(prometheus_text, doubles_round_trip) {
  std::mt19937_64 random(20261125);
  for (int i = 0; i < 20000; ++i) {
    double value = 0;
    const std::uint64_t bits = random();
    std::memcpy(&value, &bits, sizeof value);
    if (std::isnan(value)) continue;
    const std::string text = double_text(value);
    const auto back = parse_value(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, value) << text;
    EXPECT_EQ(text.find(','), std::string::npos);
  }
}

TEST(prometheus_text, integer_spelling) {
  std::string out;
  append_sample_value(std::uint64_t{0}, out);
  out += ' ';
  append_sample_value(std::numeric_limits<std::uint64_t>::max(), out);
  out += ' ';
  append_sample_value(std::numeric_limits<std::int64_t>::min(), out);
  EXPECT_EQ(out, "0 18446744073709551615 -9223372036854775808");
}

TEST(prometheus_text, a_non_finite_duration_sum_still_parses) {
  metrics_snapshot s;
  s.duration_sum_seconds = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 0};
  const exposition_text text = render_and_parse(s);
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_sum", {{"protocol", "http/1.0"}}), "NaN");
  EXPECT_EQ(value_of(text, "ferry_request_duration_seconds_sum", {{"protocol", "http/1.1"}}), "+Inf");
}

TEST(prometheus_text, rendering_appends_and_is_deterministic) {
  const metrics_snapshot s = busy_snapshot();
  std::string first = "prefix\n";
  render_prometheus_text(s, first);
  std::string second;
  render_prometheus_text(s, second);
  EXPECT_EQ(first, "prefix\n" + second);
  EXPECT_LT(second.size(), 16u * 1024u);  // the reserve covers a normal scrape
}

TEST(prometheus_text, many_certificates) {
  metrics_snapshot s;
  for (int i = 0; i < 5000; ++i) s.certificates.push_back(expiry("host" + std::to_string(i % 2500) + ".test", i));
  const exposition_text text = render_and_parse(s);
  std::size_t count = 0;
  for (const sample& sample : text.samples) count += sample.name == "ferry_certificate_expiry_seconds";
  EXPECT_EQ(count, 2500u);
  EXPECT_EQ(value_of(text, "ferry_certificate_expiry_seconds", {{"name", "host7.test"}}), "7");
}

}  // namespace
}  // namespace ferry
