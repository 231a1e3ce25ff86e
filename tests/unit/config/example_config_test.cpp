// config/ferry.toml, the commented example: it loads, it states the defaults, its "#~" example
// lines load too, and it and docs/configuration.md mention every key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_reader.hpp"

// The source tree, found from this file's path (tests/unit/config/ is three levels below it),
// so that the test needs no CMake change.
#ifndef FERRY_SOURCE_DIR
#define FERRY_SOURCE_DIR \
  (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path())
#endif

namespace ferry {
namespace {

using std::chrono::milliseconds;

std::filesystem::path source_dir() {
  return std::filesystem::path(FERRY_SOURCE_DIR);
}
std::string example_path() {
  return (source_dir() / "config" / "ferry.toml").string();
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The compression module's documented table, read the way the real module reads it.
struct compression_settings {
  int calls = 0;
  bool enabled = false;
  std::uint64_t min_size = 0;
  std::vector<std::string> types;
  std::int64_t gzip_level = 0;
  std::int64_t brotli_level = 0;
  std::string under_pressure;
  bool tls_table = false;
  bool http2_table = false;
  bool auth_table = false;
  bool metrics_enabled = false;
  std::string metrics_path;
  std::vector<std::string> metrics_allow;
};

module_registry fake_modules(compression_settings& seen) {
  module_registry modules;
  modules.add({"compression", "compression",
               [&seen](const toml::table* table, config_error_sink& errors, pipeline_extensions&) {
                 ++seen.calls;
                 if (table == nullptr) return;
                 toml_table_reader reader(*table, "compression", errors);
                 reader.read("enabled", seen.enabled);
                 reader.read_size("min_size", 0, std::uint64_t{1} << 30, seen.min_size);
                 reader.read("types", seen.types);
                 reader.read_integer("gzip_level", 1, 9, seen.gzip_level);
                 reader.read_integer("brotli_level", 0, 11, seen.brotli_level);
                 reader.read("under_pressure", seen.under_pressure);
                 reader.report_unknown_keys();
               }});
  // [http2]: every key with the module's types (the real module is tested in unit_http2).
  modules.add({"http2", "http2", [&seen](const toml::table* table, config_error_sink& errors, pipeline_extensions&) {
                 if (table == nullptr) return;
                 seen.http2_table = true;
                 toml_table_reader reader(*table, "http2", errors);
                 bool flag = false;
                 std::int64_t number = 0;
                 std::uint64_t size = 0;
                 std::chrono::milliseconds duration{};
                 reader.read("enabled", flag);
                 reader.read("cleartext", flag);
                 for (const char* key : {"max_concurrent_streams", "reset_burst", "reset_rate", "max_provoked_resets",
                                         "max_empty_frames", "max_priority_frames", "max_window_updates",
                                         "max_control_frames", "max_continuations", "max_settings_entries",
                                         "max_queued_acks"}) {
                   reader.read_integer(key, 0, 1'000'000, number);
                 }
                 for (const char* key : {"initial_window_size", "max_frame_size", "header_table_size"})
                   reader.read_size(key, 0, std::uint64_t{1} << 24, size);
                 reader.read_duration("flood_window", std::chrono::milliseconds(100), std::chrono::hours(1), duration);
                 reader.report_unknown_keys();
               }});
  // [metrics]: the keys with the module's types (the real module is tested in unit_metrics).
  modules.add({"metrics", "metrics",
               [&seen](const toml::table* table, config_error_sink& errors, pipeline_extensions&) {
                 if (table == nullptr) return;
                 toml_table_reader reader(*table, "metrics", errors);
                 reader.read("enabled", seen.metrics_enabled);
                 reader.read("path", seen.metrics_path);
                 reader.read("allow", seen.metrics_allow);
                 std::vector<listener_config> listen;
                 reader.read_listen_addresses("listen", listen);
                 reader.report_unknown_keys();
               }});
  // [auth]: its example names key files that do not exist here; the real module is tested in
  // unit_auth. This stand-in only takes the table.
  modules.add({"auth", "auth", [&seen](const toml::table* table, config_error_sink&, pipeline_extensions&) {
                 seen.auth_table = table != nullptr;
               }});
  // [rate_limit]: the real reader is tested against this example in unit_rate_limit (built
  // only with the module); this stand-in only takes the table.
  modules.add({"rate_limit", "rate_limit", [](const toml::table*, config_error_sink&, pipeline_extensions&) {}});
  // The [tls] example names certificate files that do not exist here: this stand-in checks
  // the keys and their types the way the module does, without opening files.
  modules.add({"tls", "tls", [&seen](const toml::table* table, config_error_sink& errors, pipeline_extensions&) {
                 if (table == nullptr) return;
                 seen.tls_table = true;
                 toml_table_reader reader(*table, "tls", errors);
                 std::vector<std::string> listen;
                 reader.read("listen", listen);
                 reader.read("redirect_listen", listen);
                 reader.take("certificates");
                 std::string text;
                 bool flag = false;
                 std::int64_t depth = 0;
                 std::chrono::milliseconds duration{};
                 for (const char* key : {"min_version", "ciphers", "ciphersuites", "client_auth", "client_ca", "crl", "hsts"})
                   reader.read(key, text);
                 reader.read("session_tickets", flag);
                 reader.read_integer("verify_depth", 1, 16, depth);
                 reader.read_duration("ticket_key_lifetime", std::chrono::minutes(1), std::chrono::hours(24), duration);
                 reader.read_duration("handshake_timeout", std::chrono::milliseconds(1), std::chrono::hours(24), duration);
                 reader.report_unknown_keys();
               }});
  return modules;
}

// The example with its "#~ " example lines turned into settings.
std::string uncomment_examples(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#~ ", 0) == 0) line.erase(0, 3);
    out += line;
    out += '\n';
  }
  return out;
}

// Every key of the layout (module keys included), as TOML paths.
const std::vector<std::string>& all_keys() {
  static const std::vector<std::string> keys{"root",
                                             "vhosts",
                                             "workers",
                                             "server_header",
                                             "listen",
                                             "user",
                                             "group",
                                             "request_id.header",
                                             "request_id.accept_incoming",
                                             "request_id.trace_context",
                                             "health.liveness_path",
                                             "health.readiness_path",
                                             "health.access_log",
                                             "metrics.enabled",
                                             "metrics.path",
                                             "metrics.allow",
                                             "metrics.listen",
                                             "auth.default",
                                             "auth.realm",
                                             "auth.api_keys.header",
                                             "auth.api_keys.keys",
                                             "auth.api_keys.file",
                                             "auth.jwt.keys",
                                             "auth.jwt.jwks",
                                             "auth.jwt.issuers",
                                             "auth.jwt.audiences",
                                             "auth.jwt.leeway",
                                             "auth.jwt.required_claims",
                                             "auth.jwt.roles_claim",
                                             "auth.jwt.max_token_size",
                                             "auth.jwt.cache_entries",
                                             "auth.jwt.cache_ttl",
                                             "auth.basic.htpasswd",
                                             "auth.signed_urls.file",
                                             "auth.signed_urls.bind_client_ip",
                                             "auth.rules[1].name",
                                             "auth.rules[1].path",
                                             "auth.rules[1].methods",
                                             "auth.rules[1].auth",
                                             "auth.rules[1].roles",
                                             "auth.rules[1].roles_match",
                                             "auth.rules[1].action",
                                             "auth.rules[1].when",
                                             "auth.audit.target",
                                             "auth.audit.events",
                                             "auth.audit.hash_chain",
                                             "auth.audit.queue_full",
                                             "auth.audit.queue_size",
                                             "auth.mtls.unmapped",
                                             "auth.mtls.identities[0].uri",
                                             "auth.mtls.identities[0].principal",
                                             "auth.mtls.identities[0].roles",
                                             "auth.mtls.identities[0].tenant",
                                             "rate_limit.max_keys",
                                             "rate_limit.ipv4_prefix",
                                             "rate_limit.ipv6_prefix",
                                             "rate_limit.headers",
                                             "rate_limit.limits[0].name",
                                             "rate_limit.limits[0].vhost",
                                             "rate_limit.limits[0].path",
                                             "rate_limit.limits[0].key",
                                             "rate_limit.limits[0].rate",
                                             "rate_limit.limits[0].burst",
                                             "files.index",
                                             "files.directory_listing",
                                             "files.dotfiles",
                                             "files.symlinks",
                                             "files.spa_fallback",
                                             "files.precompressed",
                                             "files.mime_types",
                                             "error_pages",
                                             "headers[0].path",
                                             "headers[0].set",
                                             "headers[2].cors.allow_origins",
                                             "headers[2].cors.allow_methods",
                                             "headers[2].cors.allow_headers",
                                             "headers[2].cors.expose_headers",
                                             "headers[2].cors.allow_credentials",
                                             "headers[2].cors.max_age",
                                             "limits.max_request_head",
                                             "limits.max_header_count",
                                             "limits.max_uri_length",
                                             "limits.max_body_size",
                                             "limits.max_ranges",
                                             "limits.max_connections",
                                             "limits.max_keepalive_requests",
                                             "http2.enabled",
                                             "http2.cleartext",
                                             "http2.max_concurrent_streams",
                                             "http2.initial_window_size",
                                             "http2.max_frame_size",
                                             "http2.header_table_size",
                                             "http2.reset_burst",
                                             "http2.reset_rate",
                                             "http2.flood_window",
                                             "http2.max_provoked_resets",
                                             "http2.max_empty_frames",
                                             "http2.max_priority_frames",
                                             "http2.max_window_updates",
                                             "http2.max_control_frames",
                                             "http2.max_continuations",
                                             "http2.max_settings_entries",
                                             "http2.max_queued_acks",
                                             "tls.listen",
                                             "tls.certificates",
                                             "tls.redirect_listen",
                                             "tls.hsts",
                                             "tls.min_version",
                                             "tls.ciphers",
                                             "tls.ciphersuites",
                                             "tls.session_tickets",
                                             "tls.ticket_key_lifetime",
                                             "tls.handshake_timeout",
                                             "tls.client_auth",
                                             "tls.client_ca",
                                             "tls.verify_depth",
                                             "tls.crl",
                                             "admission.enabled",
                                             "admission.adaptive",
                                             "admission.max_inflight",
                                             "admission.min_inflight",
                                             "admission.latency_target",
                                             "admission.queue_size",
                                             "admission.queue_timeout",
                                             "admission.retry_after",
                                             "timeouts.request_head",
                                             "timeouts.idle",
                                             "timeouts.body",
                                             "timeouts.send",
                                             "timeouts.shutdown_grace",
                                             "log.level",
                                             "log.error_log",
                                             "log.error_format",
                                             "log.access_log",
                                             "log.access_format",
                                             "compression.enabled",
                                             "compression.min_size",
                                             "compression.types",
                                             "compression.gzip_level",
                                             "compression.brotli_level",
                                             "compression.under_pressure"};
  return keys;
}

TEST(ExampleConfig, LoadsFromTheSourceTree) {
  compression_settings seen;
  const config cfg = load_config_file(example_path(), fake_modules(seen));
  EXPECT_EQ(cfg.source, example_path());
  EXPECT_EQ(seen.calls, 1);
}

TEST(ExampleConfig, StatesTheDefaults) {
  compression_settings seen;
  const config cfg = load_config_file(example_path(), fake_modules(seen));
  const config defaults;
  ASSERT_EQ(cfg.listeners.size(), 1u);
  EXPECT_EQ(cfg.listeners[0].host, defaults.listeners[0].host);
  EXPECT_EQ(cfg.listeners[0].port, defaults.listeners[0].port);
  EXPECT_EQ(cfg.workers, defaults.workers);
  EXPECT_EQ(cfg.root, defaults.root);
  EXPECT_EQ(cfg.server_header, defaults.server_header);
  EXPECT_EQ(cfg.user, defaults.user);
  EXPECT_EQ(cfg.group, defaults.group);
  EXPECT_EQ(cfg.request_id.header, defaults.request_id.header);
  EXPECT_EQ(cfg.request_id.accept_incoming, defaults.request_id.accept_incoming);
  EXPECT_EQ(cfg.request_id.trace_context, defaults.request_id.trace_context);
  EXPECT_EQ(cfg.health.liveness_path, defaults.health.liveness_path);
  EXPECT_EQ(cfg.health.readiness_path, defaults.health.readiness_path);
  EXPECT_EQ(cfg.health.access_log, defaults.health.access_log);
  EXPECT_EQ(cfg.index_files, defaults.index_files);
  EXPECT_EQ(cfg.directory_listing, defaults.directory_listing);
  EXPECT_EQ(cfg.dotfiles, defaults.dotfiles);
  EXPECT_EQ(cfg.symlinks, defaults.symlinks);
  EXPECT_EQ(cfg.spa_fallback, defaults.spa_fallback);
  EXPECT_EQ(cfg.precompressed.enabled, defaults.precompressed.enabled);
  EXPECT_EQ(cfg.precompressed.encodings, defaults.precompressed.encodings);
  EXPECT_EQ(cfg.mime_types, defaults.mime_types);
  EXPECT_EQ(cfg.error_pages, defaults.error_pages);
  EXPECT_TRUE(cfg.headers.empty());
  EXPECT_EQ(cfg.limits.max_request_head, defaults.limits.max_request_head);
  EXPECT_EQ(cfg.limits.max_header_count, defaults.limits.max_header_count);
  EXPECT_EQ(cfg.limits.max_uri_length, defaults.limits.max_uri_length);
  EXPECT_EQ(cfg.limits.max_body_size, defaults.limits.max_body_size);
  EXPECT_EQ(cfg.limits.max_ranges, defaults.limits.max_ranges);
  EXPECT_EQ(cfg.limits.max_connections, defaults.limits.max_connections);
  EXPECT_EQ(cfg.limits.max_keepalive_requests, defaults.limits.max_keepalive_requests);
  EXPECT_EQ(cfg.admission.enabled, defaults.admission.enabled);
  EXPECT_EQ(cfg.admission.adaptive, defaults.admission.adaptive);
  EXPECT_EQ(cfg.admission.max_inflight, defaults.admission.max_inflight);
  EXPECT_EQ(cfg.admission.min_inflight, defaults.admission.min_inflight);
  EXPECT_EQ(cfg.admission.latency_target, defaults.admission.latency_target);
  EXPECT_EQ(cfg.admission.queue_size, defaults.admission.queue_size);
  EXPECT_EQ(cfg.admission.queue_timeout, defaults.admission.queue_timeout);
  EXPECT_EQ(cfg.admission.retry_after, defaults.admission.retry_after);
  EXPECT_EQ(cfg.timeouts.request_head, defaults.timeouts.request_head);
  EXPECT_EQ(cfg.timeouts.idle, defaults.timeouts.idle);
  EXPECT_EQ(cfg.timeouts.body, defaults.timeouts.body);
  EXPECT_EQ(cfg.timeouts.send, defaults.timeouts.send);
  EXPECT_EQ(cfg.timeouts.shutdown_grace, defaults.timeouts.shutdown_grace);
  EXPECT_EQ(cfg.logging.level, defaults.logging.level);
  EXPECT_EQ(cfg.logging.error_log, defaults.logging.error_log);
  EXPECT_EQ(cfg.logging.error_format, defaults.logging.error_format);
  EXPECT_EQ(cfg.logging.access_log, defaults.logging.access_log);
  EXPECT_EQ(cfg.logging.access_format, defaults.logging.access_format);
  // The compression defaults agreed with the module.
  EXPECT_TRUE(seen.enabled);
  EXPECT_EQ(seen.min_size, 1024u);
  EXPECT_TRUE(seen.types.empty());  // left to the module's built-in list
  EXPECT_EQ(seen.gzip_level, 6);
  EXPECT_EQ(seen.brotli_level, 4);
  EXPECT_EQ(seen.under_pressure, "adapt");
  // ... and the metrics defaults.
  EXPECT_TRUE(seen.metrics_enabled);
  EXPECT_EQ(seen.metrics_path, "/metrics");
  EXPECT_EQ(seen.metrics_allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
}

TEST(ExampleConfig, ExampleLinesLoad) {
  const std::string text = uncomment_examples(read_text(example_path()));
  compression_settings seen;
  const config cfg = load_config_string(text, "ferry.toml (examples)", fake_modules(seen));
  EXPECT_EQ(cfg.mime_types.size(), 2u);
  EXPECT_EQ(cfg.error_pages.size(), 2u);
  ASSERT_EQ(cfg.headers.size(), 3u);
  EXPECT_TRUE(cfg.headers[2].has_cors);
  ASSERT_EQ(cfg.vhosts.size(), 1u);
  EXPECT_EQ(cfg.vhosts[0].name, "shop");
  EXPECT_EQ(cfg.vhosts[0].settings->spa_fallback, "/index.html");
  ASSERT_EQ(cfg.vhosts[0].settings->headers.size(), 1u);
  EXPECT_EQ(cfg.vhosts[0].settings->tenant_caps.max_inflight, 256u);
  EXPECT_EQ(cfg.vhosts[0].settings->tenant_caps.max_connections, 2000u);
  EXPECT_FALSE(seen.types.empty());
  EXPECT_TRUE(seen.tls_table);
  EXPECT_TRUE(seen.http2_table);
  EXPECT_TRUE(seen.auth_table);
}

TEST(ExampleConfig, MentionsEveryKey) {
  const toml::table document = toml::parse(uncomment_examples(read_text(example_path())));
  for (const auto& key : all_keys()) {
    EXPECT_TRUE(document.at_path(key)) << key << " is missing from config/ferry.toml";
  }
}

TEST(ExampleConfig, ReferenceDocumentsEveryKey) {
  const std::string docs = read_text(source_dir() / "docs" / "configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& key : all_keys()) {
    const auto dot = key.rfind('.');
    const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
    const bool documented = docs.find("`" + leaf + "`") != std::string::npos ||  // a key
                            docs.find("`[" + key + "]`") != std::string::npos;   // a table heading
    EXPECT_TRUE(documented) << key << " is missing from docs/configuration.md";
  }
  for (const char* flag : {"--config", "--root", "--listen", "--workers", "--log-level", "--access-log",
                           "--tls-listen", "--tls-cert", "--tls-key", "--check-config", "--version"}) {
    EXPECT_NE(docs.find(flag), std::string::npos) << flag;
  }
}

TEST(ExampleConfig, LoadsWithTheCompiledModules) {
  module_registry registry;
  register_compiled_modules(registry);
  const auto& modules = registry.modules();
  const bool has_compression = std::any_of(
      modules.begin(), modules.end(), [](const module_descriptor& m) { return m.table == "compression"; });
  if (has_compression) {
    EXPECT_NO_THROW(load_config_file(example_path(), registry));
    try {
      load_config_string(uncomment_examples(read_text(example_path())), "examples", registry);
    } catch (const config_error& e) {
      // With the tls module the example's certificate files are opened, and they do not exist
      // here; that must be the only complaint.
      std::istringstream lines(e.what());
      for (std::string line; std::getline(lines, line);) {
        const bool missing_file = line.find("auth.") != std::string::npos ||  // key files
                                  line.find("tls.certificates") != std::string::npos ||
                                  line.find("tls.client_ca") != std::string::npos ||
                                  line.find("tls.crl") != std::string::npos;
        EXPECT_TRUE(missing_file) << line;
      }
    }
    return;
  }
  try {
    load_config_file(example_path(), registry);
    FAIL() << "a [compression] table loaded without the compression module";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("module 'compression' is not compiled into this binary"),
              std::string::npos)
        << e.what();
  }
}

TEST(ConfigFile, MissingFileIsAConfigError) {
  try {
    load_config_file("/nonexistent/ferry.toml", module_registry{});
    FAIL() << "no exception";
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/ferry.toml: cannot open the config file: No such file or directory");
  }
}

TEST(ConfigFile, DirectoryIsAConfigError) {
  EXPECT_THROW(load_config_file(source_dir().string(), module_registry{}), config_error);
}

TEST(ConfigFile, ErrorsNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ferry_config_file_test_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "root = \".\"\n\n[limits]\nmax_ranges = 0\n";
  try {
    load_config_file(path.string(), module_registry{});
    FAIL() << "no exception";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ":4: 'limits.max_ranges' must be between 1 and 1000 (got 0)");
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ferry
