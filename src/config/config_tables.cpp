#include "config/config_tables.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <set>

#include "config/config_checks.hpp"
#include "config/toml_values.hpp"

namespace ferry {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
// Timeouts are bounded so that deadline arithmetic on any clock cannot overflow.
constexpr milliseconds max_timeout = hours(24);

using value_check = std::function<std::string(std::string_view)>;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Reports `problem` (from a config_checks function) about `value` at `node`.
bool report_if(const std::string& problem, const toml::node& node, std::string_view name,
               std::string_view value, config_error_sink& errors) {
  if (problem.empty()) return false;
  errors.report(node, "'" + std::string(name) + "' = " + quote_for_message(value) + ": " + problem);
  return true;
}

// A string key checked by `check`; `out` is only changed when the value is good.
void read_checked(toml_table_reader& table, std::string_view key, std::string& out,
                  const value_check& check) {
  std::string value;
  if (!table.read(key, value)) return;
  if (report_if(check(value), *table.table().get(key), table.key_path(key), value, table.errors())) return;
  out = std::move(value);
}

// An array of strings, each checked by `check` and reported at its own line.
bool read_checked_list(toml_table_reader& table, std::string_view key, std::vector<std::string>& out,
                       const value_check& check) {
  std::vector<std::string> values;
  if (!table.read(key, values)) return false;
  const toml::array& array = *table.table().get(key)->as_array();
  bool ok = true;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string name = table.key_path(key) + "[" + std::to_string(i) + "]";
    if (report_if(check(values[i]), *array.get(i), name, values[i], table.errors())) ok = false;
  }
  if (ok) out = std::move(values);
  return ok;
}

// A sub-table under `key`, or null (reported when it is not a table).
const toml::table* take_table(toml_table_reader& parent, std::string_view key) {
  const toml::node* node = parent.take(key);
  if (node == nullptr) return nullptr;
  return expect_table(*node, parent.key_path(key), parent.errors());
}

void read_listen(toml_table_reader& root, config& cfg) {
  std::vector<listener_config> listeners;
  if (!root.read_listen_addresses("listen", listeners)) return;
  if (listeners.empty()) {
    root.errors().report(*root.table().get("listen"), "'listen' must list at least one address");
    return;
  }
  cfg.listeners = std::move(listeners);
}

void read_root_keys(toml_table_reader& root, config& cfg) {
  read_checked(root, "root", cfg.root, [](std::string_view value) -> std::string {
    if (value.empty()) return "must name a directory";
    if (value.find('\0') != std::string_view::npos) return "must not contain NUL";
    return {};
  });
  root.read_integer("workers", 0, 1024, cfg.workers);
  read_checked(root, "server_header", cfg.server_header, check_server_header);
  read_checked(root, "user", cfg.user, check_account_name);
  read_checked(root, "group", cfg.group, check_account_name);
  read_listen(root, cfg);
}

void read_mime_types(const toml::table& table, config& cfg, config_error_sink& errors) {
  std::map<std::string, std::string> types;
  std::set<std::string> lower_keys;
  for (const auto& [key, node] : table) {
    const std::string name = toml_key_path("files.mime_types", key.str());
    const std::string extension_problem = check_extension(key.str());
    if (!extension_problem.empty()) {
      errors.report(key.source(), "'" + name + "': invalid extension: " + extension_problem);
      continue;
    }
    if (!lower_keys.insert(lower(key.str())).second) {
      errors.report(key.source(), "'" + name + "': extension given twice (extensions ignore case)");
      continue;
    }
    const std::string* value = expect_string(node, name, errors);
    if (value == nullptr || report_if(check_media_type(*value), node, name, *value, errors)) continue;
    types.emplace(key.str(), *value);
  }
  cfg.mime_types = std::move(types);
}

void read_files(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "files");
  if (table == nullptr) return;
  toml_table_reader files(*table, "files", root.errors());
  read_checked_list(files, "index", cfg.index_files, check_index_name);
  files.read("directory_listing", cfg.directory_listing);
  files.read_choice("dotfiles", {{"deny", dotfile_policy::deny}, {"allow", dotfile_policy::allow}},
                    cfg.dotfiles);
  files.read_choice("symlinks",
                    {{"within_root", symlink_policy::within_root},
                     {"deny", symlink_policy::deny},
                     {"follow", symlink_policy::follow}},
                    cfg.symlinks);
  read_checked(files, "spa_fallback", cfg.spa_fallback, [](std::string_view value) -> std::string {
    return value.empty() ? std::string() : check_file_path(value);
  });
  std::vector<std::string> encodings;
  std::set<std::string> seen;
  const bool encodings_ok =
      read_checked_list(files, "precompressed", encodings, [&seen](std::string_view value) {
        std::string problem = check_precompressed_encoding(value);
        if (problem.empty() && !seen.emplace(value).second) problem = "listed twice";
        return problem;
      });
  if (encodings_ok) {
    cfg.precompressed.enabled = !encodings.empty();
    cfg.precompressed.encodings = std::move(encodings);
  }
  files.read_integer("open_file_cache", 0, 1'000'000, cfg.open_file_cache);
  files.read_duration("open_file_cache_valid", milliseconds(0), hours(1), cfg.open_file_cache_valid);
  files.read_choice("sendfile",
                    {{"auto", sendfile_mode::automatic}, {"on", sendfile_mode::on}, {"off", sendfile_mode::off}},
                    cfg.sendfile);
  if (const toml::table* mime_types = take_table(files, "mime_types")) {
    read_mime_types(*mime_types, cfg, root.errors());
  }
  files.report_unknown_keys();
}

void read_error_pages(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "error_pages");
  if (table == nullptr) return;
  for (const auto& [key, node] : *table) {
    const std::string name = toml_key_path("error_pages", key.str());
    const std::string_view status_text = key.str();
    const bool is_status =
        status_text.size() == 3 &&
        std::all_of(status_text.begin(), status_text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        status_text >= "400" && status_text <= "599";
    if (!is_status) {
      root.errors().report(key.source(), "'" + name + "': the key must be a status code from 400 to 599");
      continue;
    }
    const std::string* path = expect_string(node, name, root.errors());
    if (path == nullptr || report_if(check_file_path(*path), node, name, *path, root.errors())) continue;
    cfg.error_pages[std::stoi(std::string(status_text))] = *path;
  }
}

void read_token_list(toml_table_reader& table, std::string_view key, std::vector<std::string>& out) {
  read_checked_list(table, key, out, [](std::string_view value) -> std::string {
    return is_http_token(value) ? std::string() : "must be a token (letters, digits and !#$%&'*+-.^_`|~)";
  });
}

void read_cors(const toml::table& table, const std::string& name, header_rule& rule,
               config_error_sink& errors) {
  toml_table_reader cors(table, name, errors);
  rule.has_cors = true;
  if (!cors.take("allow_origins")) {
    errors.report(table, "'" + name + ".allow_origins' is required");
  } else if (read_checked_list(cors, "allow_origins", rule.cors.allow_origins, check_origin) &&
             rule.cors.allow_origins.empty()) {
    errors.report(*table.get("allow_origins"), "'" + name + ".allow_origins' must list at least one origin");
  }
  read_token_list(cors, "allow_methods", rule.cors.allow_methods);
  read_token_list(cors, "allow_headers", rule.cors.allow_headers);
  read_token_list(cors, "expose_headers", rule.cors.expose_headers);
  if (cors.read("allow_credentials", rule.cors.allow_credentials) && rule.cors.allow_credentials &&
      std::find(rule.cors.allow_origins.begin(), rule.cors.allow_origins.end(), "*") !=
          rule.cors.allow_origins.end()) {
    errors.report(*table.get("allow_credentials"),
                  "'" + name + "': allow_credentials = true cannot be combined with the origin \"*\"");
  }
  milliseconds max_age{};
  if (cors.read_duration("max_age", milliseconds(0), max_timeout, max_age)) {
    if (max_age.count() % 1000 != 0) {
      errors.report(*table.get("max_age"), "'" + name + ".max_age' must be a whole number of seconds");
    } else {
      rule.cors.max_age_seconds = max_age.count() / 1000;
    }
  }
  cors.report_unknown_keys();
}

void read_header_set(const toml::table& table, const std::string& name, header_rule& rule,
                     config_error_sink& errors) {
  std::set<std::string> seen;
  for (const auto& [key, node] : table) {
    const std::string header_name = toml_key_path(name, key.str());
    const std::string name_problem = check_header_name(key.str());
    if (!name_problem.empty()) {
      errors.report(key.source(), "'" + header_name + "': " + name_problem);
      continue;
    }
    if (!seen.insert(lower(key.str())).second) {
      errors.report(key.source(), "'" + header_name + "': header set twice (names ignore case)");
      continue;
    }
    const std::string* value = expect_string(node, header_name, errors);
    if (value == nullptr || report_if(check_header_value(*value), node, header_name, *value, errors))
      continue;
    rule.set.emplace_back(key.str(), *value);
  }
}

void read_headers(toml_table_reader& root, config& cfg) {
  const toml::node* node = root.take("headers");
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    root.errors().report(*node, "'headers' must be an array of tables ([[headers]]) (got " +
                                    std::string(toml_type_name(*node)) + ")");
    return;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string name = "headers[" + std::to_string(i) + "]";
    const toml::table* table = expect_table(*array->get(i), name, root.errors());
    if (table == nullptr) continue;
    toml_table_reader rules(*table, name, root.errors());
    header_rule rule;
    if (rules.take("path") == nullptr) root.errors().report(*table, "'" + name + ".path' is required");
    read_checked(rules, "path", rule.path, check_path_glob);
    const toml::table* set = take_table(rules, "set");
    if (set != nullptr) read_header_set(*set, name + ".set", rule, root.errors());
    const toml::table* cors = take_table(rules, "cors");
    if (cors != nullptr) read_cors(*cors, name + ".cors", rule, root.errors());
    if (rules.table().get("set") == nullptr && rules.table().get("cors") == nullptr) {
      root.errors().report(*table, "'" + name + "' needs 'set' or 'cors'");
    }
    rules.report_unknown_keys();
    cfg.headers.push_back(std::move(rule));
  }
}

void read_limits(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "limits");
  if (table == nullptr) return;
  toml_table_reader limits(*table, "limits", root.errors());
  limits_config& out = cfg.limits;
  std::uint64_t size = 0;
  if (limits.read_size("max_request_head", kib, mib, size))
    out.max_request_head = static_cast<std::size_t>(size);
  limits.read_integer("max_header_count", 1, 1000, out.max_header_count);
  if (limits.read_size("max_uri_length", 16, out.max_request_head, size)) {
    out.max_uri_length = static_cast<std::size_t>(size);
  } else if (!limits.was_taken("max_uri_length")) {
    // Not given: the default must not exceed a smaller head limit the user chose.
    out.max_uri_length = std::min(out.max_uri_length, out.max_request_head);
  }
  limits.read_size("max_body_size", 0, std::numeric_limits<std::uint64_t>::max(), out.max_body_size);
  limits.read_integer("max_ranges", 1, 1000, out.max_ranges);
  limits.read_integer("max_connections", 1, int64_max, out.max_connections);
  limits.read_integer("max_keepalive_requests", 0, int64_max, out.max_keepalive_requests);
  limits.report_unknown_keys();
}

void read_admission(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "admission");
  if (table == nullptr) return;
  toml_table_reader admission(*table, "admission", root.errors());
  admission_config& out = cfg.admission;
  admission.read("enabled", out.enabled);
  admission.read("adaptive", out.adaptive);
  admission.read_integer("max_inflight", 1, 1'000'000, out.max_inflight);
  admission.read_integer("min_inflight", 1, 1'000'000, out.min_inflight);
  if (out.min_inflight > out.max_inflight && !admission.was_taken("min_inflight")) {
    // Not given: the default floor must not exceed a smaller ceiling the user chose.
    out.min_inflight = out.max_inflight;
  } else if (out.min_inflight > out.max_inflight) {
    root.errors().report(*table->get("min_inflight"), "'admission.min_inflight' (" + std::to_string(out.min_inflight) +
                                   ") must not exceed 'admission.max_inflight' (" +
                                   std::to_string(out.max_inflight) + ")");
  }
  admission.read_duration("latency_target", milliseconds(1), milliseconds(60'000), out.latency_target);
  admission.read_integer("queue_size", 0, 1'000'000, out.queue_size);
  admission.read_duration("queue_timeout", milliseconds(1), max_timeout, out.queue_timeout);
  admission.read_duration("retry_after", milliseconds(1000), std::chrono::hours(24), out.retry_after);
  admission.read("fair_share", out.fair_share);
  admission.report_unknown_keys();
}

void read_request_id(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "request_id");
  if (table == nullptr) return;
  toml_table_reader request_id(*table, "request_id", root.errors());
  request_id_config& out = cfg.request_id;
  read_checked(request_id, "header", out.header, [](std::string_view value) {
    return value.empty() ? std::string() : check_header_name(value);
  });
  request_id.read("accept_incoming", out.accept_incoming);
  request_id.read("trace_context", out.trace_context);
  request_id.report_unknown_keys();
}

void read_health(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "health");
  if (table == nullptr) return;
  toml_table_reader health(*table, "health", root.errors());
  health_config& out = cfg.health;
  const auto endpoint_path = [](std::string_view value) {
    return value.empty() ? std::string() : check_file_path(value);
  };
  read_checked(health, "liveness_path", out.liveness_path, endpoint_path);
  read_checked(health, "readiness_path", out.readiness_path, endpoint_path);
  health.read("access_log", out.access_log);
  health.report_unknown_keys();
  if (!out.liveness_path.empty() && out.liveness_path == out.readiness_path) {
    root.errors().report(*table, "'health.liveness_path' and 'health.readiness_path' must differ");
  }
}

void read_client_address(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "client_address");
  if (table == nullptr) return;
  toml_table_reader client(*table, "client_address", root.errors());
  client_address_config& out = cfg.client_address;
  read_checked_list(client, "trusted_proxies", out.trusted_proxies, check_network);
  client.read_choice("header",
                     {{"x-forwarded-for", client_address_header::x_forwarded_for},
                      {"forwarded", client_address_header::forwarded},
                      {"none", client_address_header::none}},
                     out.header);
  client.report_unknown_keys();
}

void read_timeouts(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "timeouts");
  if (table == nullptr) return;
  toml_table_reader timeouts(*table, "timeouts", root.errors());
  timeouts_config& out = cfg.timeouts;
  const milliseconds min(1);
  timeouts.read_duration("request_head", min, max_timeout, out.request_head);
  timeouts.read_duration("idle", min, max_timeout, out.idle);
  timeouts.read_duration("body", min, max_timeout, out.body);
  timeouts.read_duration("send", min, max_timeout, out.send);
  timeouts.read_duration("shutdown_grace", min, max_timeout, out.shutdown_grace);
  timeouts.report_unknown_keys();
}

void read_log(toml_table_reader& root, config& cfg) {
  const toml::table* table = take_table(root, "log");
  if (table == nullptr) return;
  toml_table_reader log(*table, "log", root.errors());
  logging_config& out = cfg.logging;
  read_checked(log, "level", out.level, check_log_level);
  read_checked(log, "error_log", out.error_log, check_error_log);
  log.read_choice("error_format", {{"text", log_format::text}, {"json", log_format::json}}, out.error_format);
  read_checked(log, "access_log", out.access_log, check_access_log);
  log.read_choice("access_format",
                  {{"combined", access_log_format::combined}, {"json", access_log_format::json}},
                  out.access_format);
  log.report_unknown_keys();
}

// [[vhosts]]: each starts as a copy of the top level read so far and takes its own root, [files],
// [error_pages] and [[headers]] (its own headers replace the inherited ones).
void read_vhosts(toml_table_reader& root, config& cfg) {
  const toml::node* node = root.take("vhosts");
  if (node == nullptr) return;
  const toml::array* array = expect_array(*node, "vhosts", root.errors());
  if (array == nullptr) return;
  std::set<std::string> names;
  std::set<std::string> server_names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string path = "vhosts[" + std::to_string(i) + "]";
    const toml::table* table = expect_table(*array->get(i), path, root.errors());
    if (table == nullptr) continue;
    toml_table_reader host(*table, path, root.errors());
    vhost_config vhost;
    std::vector<std::string> listed;
    if (table->get("server_names") == nullptr) root.errors().report(*table, "'" + path + ".server_names' is required");
    read_checked_list(host, "server_names", listed, [](std::string_view value) -> std::string {
      if (value != lower(value)) return "must be lower case";
      return check_server_name(value);
    });
    if (table->get("server_names") != nullptr && listed.empty()) {
      root.errors().report(*table->get("server_names"), "'" + path + ".server_names' must list at least one name");
    }
    for (const auto& name : listed) {
      if (!server_names.insert(name).second) {
        root.errors().report(*table->get("server_names"), "'" + path + ".server_names': \"" + name +
                                                              "\" belongs to another virtual host too");
      }
    }
    vhost.server_names = std::move(listed);
    if (!vhost.server_names.empty()) vhost.name = vhost.server_names.front();
    // Compared with rules' `vhost` keys and written to logs: a plain lower-case word.
    read_checked(host, "name", vhost.name, [](std::string_view value) -> std::string {
      const bool ok = !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      });
      return ok ? std::string() : "must be 1 to 64 lower-case letters, digits, '-', '.' or '_'";
    });
    if (!vhost.name.empty() && !names.insert(vhost.name).second) {
      root.errors().report(*table, "'" + path + ".name' = \"" + vhost.name + "\": another virtual host has it");
    }
    auto settings = std::make_shared<config>(cfg);
    settings->vhosts.clear();
    if (table->get("root") == nullptr) root.errors().report(*table, "'" + path + ".root' is required");
    read_checked(host, "root", settings->root, [](std::string_view value) -> std::string {
      if (value.empty()) return "must name a directory";
      if (value.find('\0') != std::string_view::npos) return "must not contain NUL";
      return {};
    });
    read_files(host, *settings);
    host.read_integer("max_inflight", 0, 1'000'000, settings->tenant_caps.max_inflight);
    host.read_integer("max_connections", 0, 1'000'000, settings->tenant_caps.max_connections);
    // Below 1 KiB/s a body would leave in pieces seconds apart: a typo rather than a cap.
    if (host.read_size("max_bandwidth", 0, std::uint64_t{1} << 40, settings->tenant_caps.max_bandwidth) &&
        settings->tenant_caps.max_bandwidth != 0 && settings->tenant_caps.max_bandwidth < 1024) {
      root.errors().report(*table->get("max_bandwidth"), "'" + path + ".max_bandwidth' must be 0 (none) or at least 1KiB (per second)");
    }
    if (table->get("error_pages") != nullptr) settings->error_pages.clear();
    read_error_pages(host, *settings);
    if (table->get("headers") != nullptr) settings->headers.clear();
    read_headers(host, *settings);
    host.report_unknown_keys();
    vhost.settings = std::move(settings);
    cfg.vhosts.push_back(std::move(vhost));
  }
}

}  // namespace

void read_core_tables(toml_table_reader& root, config& cfg) {
  read_root_keys(root, cfg);
  read_files(root, cfg);
  read_error_pages(root, cfg);
  read_headers(root, cfg);
  read_limits(root, cfg);
  read_admission(root, cfg);
  read_request_id(root, cfg);
  read_health(root, cfg);
  read_client_address(root, cfg);
  read_timeouts(root, cfg);
  read_log(root, cfg);
  read_vhosts(root, cfg);  // last: a virtual host inherits everything above
}

}  // namespace ferry
