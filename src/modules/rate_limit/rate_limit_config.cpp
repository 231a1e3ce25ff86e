#include "modules/rate_limit/rate_limit_config.hpp"

#include <charconv>
#include <chrono>
#include <climits>
#include <fstream>
#include <iterator>
#include <set>

#include "config/config_checks.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"
#include "modules/rate_limit/rate_limit_headers.hpp"

namespace ferry {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void read_key(toml_table_reader& reader, limit_rule& rule) {
  std::string key = "client_address";
  if (!reader.read("key", key)) return;
  constexpr std::string_view header_prefix = "header:";
  if (key == "client_address") {
    rule.key = limit_key_kind::client_address;
  } else if (key == "principal") {
    rule.key = limit_key_kind::principal;
  } else if (key == "tenant") {
    rule.key = limit_key_kind::tenant;
  } else if (key == "vhost") {
    rule.key = limit_key_kind::vhost;
  } else if (key.starts_with(header_prefix) && is_http_token(std::string_view(key).substr(header_prefix.size()))) {
    rule.key = limit_key_kind::header;
    rule.header = lower(std::string_view(key).substr(header_prefix.size()));
  } else {
    reader.errors().report(*reader.table().get("key"),
                           reader.key_path("key") + " = " + quote_for_message(key) +
                               ": must be \"client_address\", \"principal\", \"tenant\", \"vhost\" or \"header:NAME\"");
  }
}

void read_limit(const toml::table& table, const std::string& path, config_error_sink& errors,
                std::set<std::string>& names, rate_limit_settings& out) {
  toml_table_reader reader(table, path, errors);
  limit_rule rule;
  if (table.get("name") == nullptr) {
    errors.report(table, path + ": missing 'name'");
  } else if (reader.read("name", rule.name)) {
    if (rule.name.empty() || rule.name.size() > 64 || !is_valid_policy_name(rule.name) ||
        rule.name.find_first_of("\"\\ ") != std::string::npos) {
      errors.report(*table.get("name"), reader.key_path("name") + " = " + quote_for_message(rule.name) +
                                            ": must be 1 to 64 printable characters without spaces, '\"' or '\\'");
    } else if (!names.insert(rule.name).second) {
      errors.report(*table.get("name"), reader.key_path("name") + " = " + quote_for_message(rule.name) +
                                            ": another limit has this name");
    }
  }
  rule.vhost = "*";
  if (reader.read("vhost", rule.vhost)) {
    rule.vhost = lower(rule.vhost);
    if (rule.vhost.empty()) errors.report(*table.get("vhost"), reader.key_path("vhost") + ": must not be empty");
  }
  std::string glob = "/**";
  if (reader.read("path", glob)) {
    const std::string problem = check_path_glob(glob);
    if (!problem.empty()) {
      errors.report(*table.get("path"), reader.key_path("path") + " = " + quote_for_message(glob) + ": " + problem);
    }
  }
  rule.path = path_glob(glob);
  rule.every_path = glob == "/**";
  read_key(reader, rule);
  std::string rate;
  if (table.get("rate") == nullptr) {
    errors.report(table, path + ": missing 'rate'");
  } else if (reader.read("rate", rate) && !parse_rate(rate, rule.requests, rule.period_ns)) {
    errors.report(*table.get("rate"), reader.key_path("rate") + " = " + quote_for_message(rate) +
                                          ": must be N/s, N/m, N/h or N/d with N from 1 to 1000000000");
  }
  std::int64_t burst = rule.requests;
  reader.read_integer("burst", 1, 1'000'000'000, burst);
  reader.report_unknown_keys();
  rule.policy = gcra_policy::per_period(rule.requests, rule.period_ns, burst);
  append_rate_limit_policy(rule.policy_header, rule.name, rule.requests, rule.period_ns);
  out.limits.push_back(std::move(rule));
}

// A password file is a few bytes; anything much larger is not one.
constexpr std::size_t max_password_file_size = 64 * 1024;

// Text that goes into a connection attempt or a log line: 1 or more bytes, none of them a
// control byte, a space, DEL or non-ASCII.
bool is_visible_ascii(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c <= ' ' || c == '\x7f') return false;
  }
  return true;
}

// The trimmed contents of `path` into `out`; an error message otherwise.
std::string read_password_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + quote_for_message(path);
  std::string text;
  text.reserve(256);
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_password_file_size) return quote_for_message(path) + " is larger than 64 KiB";
  }
  if (in.bad()) return "cannot read " + quote_for_message(path);
  constexpr std::string_view space = " \t\r\n";
  const std::size_t first = text.find_first_not_of(space);
  if (first == std::string::npos) return quote_for_message(path) + " holds no password";
  out = text.substr(first, text.find_last_not_of(space) - first + 1);
  return {};
}

void read_visible(toml_table_reader& reader, std::string_view key, std::string& out) {
  if (reader.read(key, out) && !is_visible_ascii(out)) {
    reader.errors().report(*reader.table().get(key),
                           reader.key_path(key) + ": must be 1 or more printable characters without spaces");
  }
}

void read_nonempty(toml_table_reader& reader, std::string_view key, std::string& out) {
  if (reader.read(key, out) && out.empty()) {
    reader.errors().report(*reader.table().get(key), reader.key_path(key) + ": must not be empty");
  }
}

void read_redis_tls(toml_table_reader& reader, redis_tls_settings& tls) {
  reader.read("tls", tls.enabled);
  const std::size_t before = reader.errors().messages().size();
  read_nonempty(reader, "tls_ca_file", tls.ca_file);
  read_nonempty(reader, "tls_cert_file", tls.cert_file);
  read_nonempty(reader, "tls_key_file", tls.key_file);
  read_visible(reader, "tls_server_name", tls.server_name);
  const toml::table& table = reader.table();
  if (!tls.enabled) {
    for (const char* key : {"tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name"}) {
      if (const toml::node* node = table.get(key)) {
        reader.errors().report(*node, reader.key_path(key) + ": only with tls = true");
      }
    }
    return;
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    const char* given = tls.cert_file.empty() ? "tls_key_file" : "tls_cert_file";
    reader.errors().report(*table.get(given),
                           reader.key_path(given) + ": tls_cert_file and tls_key_file go together");
  }
  if (reader.errors().messages().size() != before) return;
  // Loaded once here to report a bad file with its line; each worker loads them again.
  std::string error;
  if (!make_redis_tls_context(tls, error)) {
    const char* key = tls.cert_file.empty() ? (tls.ca_file.empty() ? "tls" : "tls_ca_file") : "tls_cert_file";
    reader.errors().report(*table.get(key), reader.key_path(key) + ": " + error);
  }
}

void read_redis(const toml::table& table, const std::string& path, config_error_sink& errors,
                redis_limit_settings& out) {
  toml_table_reader reader(table, path, errors);
  redis_client_config& client = out.client;
  read_visible(reader, "host", client.host);
  reader.read_integer("port", 1, 65'535, client.port);
  read_nonempty(reader, "username", client.username);
  read_nonempty(reader, "password", client.password);
  std::string password_file;
  if (reader.read("password_file", password_file)) {
    const toml::node& node = *table.get("password_file");
    if (table.get("password") != nullptr) {
      errors.report(node, reader.key_path("password_file") + ": give either password or password_file, not both");
    } else if (password_file.empty()) {
      errors.report(node, reader.key_path("password_file") + ": must not be empty");
    } else if (const std::string problem = read_password_file(password_file, client.password); !problem.empty()) {
      errors.report(node, reader.key_path("password_file") + ": " + problem);
    }
  }
  if (!client.username.empty() && table.get("password") == nullptr && table.get("password_file") == nullptr) {
    errors.report(*table.get("username"), reader.key_path("username") + ": needs password or password_file");
  }
  reader.read_integer("db", 0, INT_MAX, client.db);
  reader.read_integer("connections", 1, 16, client.connections);
  std::int64_t timeout_ms = client.timeout.count();
  if (reader.read_integer("timeout_ms", 1, 10'000, timeout_ms)) client.timeout = std::chrono::milliseconds(timeout_ms);
  std::int64_t connect_ms = client.connect_timeout.count();
  if (reader.read_integer("connect_timeout_ms", 1, 60'000, connect_ms)) {
    client.connect_timeout = std::chrono::milliseconds(connect_ms);
  }
  if (reader.read("key_prefix", out.key_prefix) &&
      (out.key_prefix.size() > 64 || (!out.key_prefix.empty() && !is_visible_ascii(out.key_prefix)))) {
    errors.report(*table.get("key_prefix"), reader.key_path("key_prefix") + " = " + quote_for_message(out.key_prefix) +
                                                ": must be 0 to 64 printable characters without spaces");
  }
  bool fail_closed = false;
  using on_error_choice = std::pair<std::string_view, bool>;
  reader.read_choice("on_error", {on_error_choice{"fail_open", false}, {"fail_closed", true}}, fail_closed);
  bool local_fallback = true;
  if (reader.read("local_fallback", local_fallback) && local_fallback && fail_closed) {
    errors.report(*table.get("local_fallback"),
                  reader.key_path("local_fallback") + " = true: only with on_error = \"fail_open\"");
  }
  out.on_failure = fail_closed      ? redis_failure_action::closed
                   : local_fallback ? redis_failure_action::local
                                    : redis_failure_action::open;
  read_redis_tls(reader, client.tls);
  reader.report_unknown_keys();
}

}  // namespace

bool parse_rate(std::string_view text, std::int64_t& requests, std::int64_t& period_ns) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + slash, count);
  if (error != std::errc() || end != text.data() + slash || count < 1 || count > 1'000'000'000) return false;
  const std::string_view unit = text.substr(slash + 1);
  std::int64_t period = 0;
  if (unit == "s") {
    period = second_ns;
  } else if (unit == "m") {
    period = 60 * second_ns;
  } else if (unit == "h") {
    period = 3600 * second_ns;
  } else if (unit == "d") {
    period = 86'400 * second_ns;
  } else {
    return false;
  }
  requests = count;
  period_ns = period;
  return true;
}

std::optional<rate_limit_settings> parse_rate_limit_config(const toml::table& table, config_error_sink& errors) {
  const std::size_t before = errors.messages().size();
  toml_table_reader reader(table, "rate_limit", errors);
  rate_limit_settings settings;
  reader.read_integer("max_keys", 1'000, 100'000'000, settings.max_keys);
  reader.read_integer("ipv4_prefix", 1, 32, settings.prefixes.v4);
  reader.read_integer("ipv6_prefix", 1, 128, settings.prefixes.v6);
  reader.read("headers", settings.headers);
  using backend_choice = std::pair<std::string_view, rate_limit_backend>;
  const bool backend_read = reader.read_choice(
      "backend", {backend_choice{"local", rate_limit_backend::local}, {"redis", rate_limit_backend::redis}},
      settings.backend);
  const bool backend_known = backend_read || table.get("backend") == nullptr;
  const toml::node* redis = reader.take("redis");
  if (backend_known && settings.backend == rate_limit_backend::redis && redis == nullptr) {
    errors.report(*table.get("backend"),
                  reader.key_path("backend") + " = \"redis\" needs a [rate_limit.redis] table");
  }
  if (redis != nullptr) {
    const std::string path = reader.key_path("redis");
    if (backend_known && settings.backend != rate_limit_backend::redis) {
      errors.report(*redis, path + ": only with backend = \"redis\"");
    } else if (const toml::table* redis_table = expect_table(*redis, path, errors)) {
      read_redis(*redis_table, path, errors, settings.redis);
    }
  }
  std::set<std::string> names;
  if (const toml::node* node = reader.take("limits")) {
    const std::string path = reader.key_path("limits");
    if (const toml::array* array = expect_array(*node, path, errors)) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (const toml::table* entry = expect_table(*array->get(i), item, errors)) {
          read_limit(*entry, item, errors, names, settings);
        }
      }
    }
  }
  reader.report_unknown_keys();
  if (errors.messages().size() != before) return std::nullopt;
  return settings;
}

}  // namespace ferry
