// validate_config: the checks that need the final values, after command-line overrides
// (--root, --listen, --workers, --log-level, --access-log) have been applied. The loader has
// already checked what it read, with line numbers; this repeats the value checks because an
// override or a hand-built config never went through the loader.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "config/config_checks.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_values.hpp"

namespace ferry {

namespace {

using std::chrono::milliseconds;

class checker {
 public:
  // `context` starts every message (e.g. which virtual host).
  explicit checker(config_error_sink& errors, std::string context = {})
      : errors_(errors), context_(std::move(context)) {}

  // Reports "'name' = "value": problem" when `problem` is not empty.
  void value(std::string_view name, std::string_view value, const std::string& problem) {
    if (!problem.empty()) fail("'" + std::string(name) + "' = " + quote_for_message(value) + ": " + problem);
  }
  void fail(const std::string& what) { errors_.report(context_ + what); }

 private:
  config_error_sink& errors_;
  std::string context_;
};

std::string indexed(std::string_view name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

void check_root(const config& cfg, checker& check) {
  if (cfg.root.empty()) {
    check.fail("'root' is empty");
    return;
  }
  if (cfg.root.find('\0') != std::string::npos) {
    check.value("root", cfg.root, "must not contain NUL");
    return;
  }
  std::error_code ec;
  const auto status = std::filesystem::status(cfg.root, ec);
  if (!std::filesystem::exists(status)) {
    check.value("root", cfg.root, "does not exist");
  } else if (!std::filesystem::is_directory(status)) {
    check.value("root", cfg.root, "is not a directory");
  } else if (::access(cfg.root.c_str(), R_OK | X_OK) != 0) {
    check.value("root", cfg.root, std::string("is not readable: ") + std::strerror(errno));
  }
}

void check_listeners(const config& cfg, checker& check) {
  if (cfg.listeners.empty()) check.fail("'listen' must list at least one address");
  std::set<std::pair<std::string, std::uint16_t>> seen;
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const auto& listener = cfg.listeners[i];
    const bool v6 = listener.host.find(':') != std::string::npos;
    const std::string text =
        (v6 ? "[" + listener.host + "]" : listener.host) + ":" + std::to_string(listener.port);
    check.value(indexed("listen", i), text, parse_listen_address(text).error);
    if (!seen.emplace(listener.host, listener.port).second) check.fail("'listen' has \"" + text + "\" twice");
  }
}

void check_files(const config& cfg, checker& check) {
  for (std::size_t i = 0; i < cfg.index_files.size(); ++i) {
    check.value(indexed("files.index", i), cfg.index_files[i], check_index_name(cfg.index_files[i]));
  }
  if (!cfg.spa_fallback.empty())
    check.value("files.spa_fallback", cfg.spa_fallback, check_file_path(cfg.spa_fallback));
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < cfg.precompressed.encodings.size(); ++i) {
    const auto& encoding = cfg.precompressed.encodings[i];
    check.value(indexed("files.precompressed", i), encoding, check_precompressed_encoding(encoding));
    if (!seen.insert(encoding).second)
      check.value(indexed("files.precompressed", i), encoding, "listed twice");
  }
  for (const auto& [extension, type] : cfg.mime_types) {
    check.value("files.mime_types", extension, check_extension(extension));
    check.value("files.mime_types." + extension, type, check_media_type(type));
  }
  for (const auto& [status, path] : cfg.error_pages) {
    const std::string name = "error_pages." + std::to_string(status);
    if (status < 400 || status > 599) check.fail("'" + name + "': the status must be from 400 to 599");
    check.value(name, path, check_file_path(path));
  }
}

void check_headers(const config& cfg, checker& check) {
  for (std::size_t i = 0; i < cfg.headers.size(); ++i) {
    const auto& rule = cfg.headers[i];
    const std::string name = indexed("headers", i);
    check.value(name + ".path", rule.path, check_path_glob(rule.path));
    for (const auto& [header, value] : rule.set) {
      check.value(name + ".set", header, check_header_name(header));
      check.value(name + ".set." + header, value, check_header_value(value));
    }
    if (!rule.has_cors) continue;
    const auto& origins = rule.cors.allow_origins;
    if (origins.empty()) check.fail("'" + name + ".cors.allow_origins' must list at least one origin");
    for (const auto& origin : origins)
      check.value(name + ".cors.allow_origins", origin, check_origin(origin));
    if (rule.cors.allow_credentials && std::find(origins.begin(), origins.end(), "*") != origins.end()) {
      check.fail("'" + name + ".cors': allow_credentials = true cannot be combined with the origin \"*\"");
    }
  }
}

void check_client_address(const config& cfg, checker& check) {
  const auto& networks = cfg.client_address.trusted_proxies;
  for (std::size_t i = 0; i < networks.size(); ++i) {
    check.value(indexed("client_address.trusted_proxies", i), networks[i], check_network(networks[i]));
  }
}

void check_limits(const config& cfg, checker& check) {
  const auto& limits = cfg.limits;
  if (limits.max_request_head < 1024 || limits.max_request_head > 1024 * 1024) {
    check.fail("'limits.max_request_head' must be between 1KiB and 1MiB (got " +
               format_size(limits.max_request_head) + ")");
  }
  if (limits.max_header_count < 1 || limits.max_header_count > 1000) {
    check.fail("'limits.max_header_count' must be between 1 and 1000");
  }
  if (limits.max_uri_length < 16 || limits.max_uri_length > limits.max_request_head) {
    check.fail("'limits.max_uri_length' must be between 16B and max_request_head (" +
               format_size(limits.max_request_head) + ")");
  }
  if (limits.max_ranges < 1 || limits.max_ranges > 1000)
    check.fail("'limits.max_ranges' must be between 1 and 1000");
  if (limits.max_connections < 1) check.fail("'limits.max_connections' must be at least 1");
}

void check_timeouts(const config& cfg, checker& check) {
  const std::pair<const char*, milliseconds> timeouts[] = {{"request_head", cfg.timeouts.request_head},
                                                           {"idle", cfg.timeouts.idle},
                                                           {"body", cfg.timeouts.body},
                                                           {"send", cfg.timeouts.send},
                                                           {"shutdown_grace", cfg.timeouts.shutdown_grace}};
  for (const auto& [name, value] : timeouts) {
    if (value <= milliseconds(0) || value > std::chrono::hours(24)) {
      check.fail("'timeouts." + std::string(name) + "' must be between 1ms and 24h");
    }
  }
}

}  // namespace

void validate_config(const config& cfg) {
  config_error_sink errors(cfg.source);
  checker check(errors);
  check_root(cfg, check);
  check_listeners(cfg, check);
  if (cfg.workers > 1024)
    check.fail("'workers' must be between 0 and 1024 (got " + std::to_string(cfg.workers) + ")");
  check.value("server_header", cfg.server_header, check_server_header(cfg.server_header));
  check_files(cfg, check);
  check_headers(cfg, check);
  check_limits(cfg, check);
  check_client_address(cfg, check);
  check_timeouts(cfg, check);
  check.value("log.level", cfg.logging.level, check_log_level(cfg.logging.level));
  check.value("log.error_log", cfg.logging.error_log, check_error_log(cfg.logging.error_log));
  check.value("log.access_log", cfg.logging.access_log, check_access_log(cfg.logging.access_log));
  for (const auto& vhost : cfg.vhosts) {
    checker vhost_check(errors, "vhost \"" + vhost.name + "\": ");
    check_root(*vhost.settings, vhost_check);
    check_files(*vhost.settings, vhost_check);
    check_headers(*vhost.settings, vhost_check);
  }
  errors.throw_if_any();
}

}  // namespace ferry
