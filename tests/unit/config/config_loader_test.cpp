// load_config_string: the TOML layout, its defaults, and a file:line message for every kind of
// mistake.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "config/config_error.hpp"

namespace ferry {
namespace {

using std::chrono::milliseconds;

const module_registry& no_modules() {
  static const module_registry registry;
  return registry;
}

config load(std::string_view text) {
  return load_config_string(text, "test.toml", no_modules());
}

// The messages of the config_error that loading `text` throws, one per element; empty when it
// loads.
std::vector<std::string> errors_of(std::string_view text) {
  try {
    load(text);
  } catch (const config_error& e) {
    std::vector<std::string> lines;
    std::istringstream in(e.what());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  return {};
}

// The single message for `text` (fails the test when there is not exactly one).
std::string error_of(std::string_view text) {
  const auto errors = errors_of(text);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

void expect_defaults(const config& cfg) {
  const config defaults;
  ASSERT_EQ(cfg.listeners.size(), 1u);
  EXPECT_EQ(cfg.listeners[0].host, "0.0.0.0");
  EXPECT_EQ(cfg.listeners[0].port, 8080);
  EXPECT_EQ(cfg.workers, 0u);
  EXPECT_EQ(cfg.root, ".");
  EXPECT_EQ(cfg.server_header, "ferry");
  EXPECT_EQ(cfg.index_files, std::vector<std::string>{"index.html"});
  EXPECT_FALSE(cfg.directory_listing);
  EXPECT_EQ(cfg.dotfiles, dotfile_policy::deny);
  EXPECT_EQ(cfg.symlinks, symlink_policy::within_root);
  EXPECT_EQ(cfg.spa_fallback, "");
  EXPECT_TRUE(cfg.precompressed.enabled);
  EXPECT_EQ(cfg.precompressed.encodings, (std::vector<std::string>{"br", "zstd", "gzip"}));
  EXPECT_EQ(cfg.open_file_cache, 1024u);
  EXPECT_EQ(cfg.open_file_cache_valid, std::chrono::milliseconds(1000));
  EXPECT_TRUE(cfg.mime_types.empty());
  EXPECT_TRUE(cfg.error_pages.empty());
  EXPECT_TRUE(cfg.headers.empty());
  EXPECT_EQ(cfg.limits.max_request_head, 8192u);
  EXPECT_EQ(cfg.limits.max_header_count, 64u);
  EXPECT_EQ(cfg.limits.max_uri_length, 4096u);
  EXPECT_EQ(cfg.limits.max_body_size, 1u << 20);
  EXPECT_EQ(cfg.limits.max_ranges, 16u);
  EXPECT_EQ(cfg.limits.max_connections, 10000u);
  EXPECT_EQ(cfg.limits.max_keepalive_requests, 0u);
  EXPECT_EQ(cfg.timeouts.request_head, milliseconds(10'000));
  EXPECT_EQ(cfg.timeouts.idle, milliseconds(60'000));
  EXPECT_EQ(cfg.timeouts.body, milliseconds(30'000));
  EXPECT_EQ(cfg.timeouts.send, milliseconds(30'000));
  EXPECT_EQ(cfg.timeouts.shutdown_grace, milliseconds(10'000));
  EXPECT_EQ(cfg.logging.level, "info");
  EXPECT_EQ(cfg.logging.error_log, "stderr");
  EXPECT_EQ(cfg.logging.error_format, log_format::text);
  EXPECT_EQ(cfg.logging.access_log, "off");
  EXPECT_EQ(cfg.logging.access_format, access_log_format::combined);
  EXPECT_EQ(cfg.extensions.encoders, nullptr);
}

TEST(ConfigDefaults, EmptyDocumentGivesDefaults) {
  const config cfg = load("");
  expect_defaults(cfg);
  EXPECT_EQ(cfg.source, "test.toml");
}

TEST(ConfigDefaults, EmptyTablesGiveDefaults) {
  expect_defaults(load("[files]\n[files.mime_types]\n[error_pages]\n[limits]\n[timeouts]\n[log]\n"));
}

TEST(ConfigDefaults, DefaultConfigWithoutModules) {
  const config cfg = default_config(no_modules());
  expect_defaults(cfg);
  EXPECT_EQ(cfg.source, "");
}

TEST(ConfigLoad, ReadsEveryKey) {
  const config cfg = load(R"(root = "/srv/www"
workers = 4
server_header = ""
listen = ["127.0.0.1:80", "[::1]:8443", "localhost:0"]

[files]
index = ["index.htm", "default.html"]
directory_listing = true
dotfiles = "allow"
symlinks = "follow"
spa_fallback = "/app/index.html"
precompressed = ["gzip", "br"]

[files.mime_types]
wasm = "application/wasm"
md = "text/markdown; charset=utf-8"

[error_pages]
404 = "/errors/404.html"
"503" = "/errors/busy.html"

[[headers]]
path = "/assets/**"
set = { "Cache-Control" = "public, max-age=31536000", "X-Frame-Options" = "" }

[[headers]]
path = "/api/*"
cors = { allow_origins = ["https://a.example", "http://b.example:8080"], allow_methods = ["GET"], allow_headers = ["X-Token"], expose_headers = ["ETag"], allow_credentials = true, max_age = "10m" }

[limits]
max_request_head = "16KiB"
max_header_count = 100
max_uri_length = 2048
max_body_size = "0B"
max_ranges = 4
max_connections = 500
max_keepalive_requests = 1000

[timeouts]
request_head = "5s"
idle = "2m"
body = "1h"
send = "1500ms"
shutdown_grace = "1s"

[log]
level = "debug"
error_log = "/var/log/ferry/error.log"
error_format = "json"
access_log = "stdout"
access_format = "json"
)");
  EXPECT_EQ(cfg.root, "/srv/www");
  EXPECT_EQ(cfg.workers, 4u);
  EXPECT_EQ(cfg.server_header, "");
  ASSERT_EQ(cfg.listeners.size(), 3u);
  EXPECT_EQ(cfg.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(cfg.listeners[0].port, 80);
  EXPECT_EQ(cfg.listeners[1].host, "::1");
  EXPECT_EQ(cfg.listeners[1].port, 8443);
  EXPECT_EQ(cfg.listeners[2].host, "localhost");
  EXPECT_EQ(cfg.listeners[2].port, 0);

  EXPECT_EQ(cfg.index_files, (std::vector<std::string>{"index.htm", "default.html"}));
  EXPECT_TRUE(cfg.directory_listing);
  EXPECT_EQ(cfg.dotfiles, dotfile_policy::allow);
  EXPECT_EQ(cfg.symlinks, symlink_policy::follow);
  EXPECT_EQ(cfg.spa_fallback, "/app/index.html");
  EXPECT_TRUE(cfg.precompressed.enabled);
  EXPECT_EQ(cfg.precompressed.encodings, (std::vector<std::string>{"gzip", "br"}));
  EXPECT_EQ(cfg.mime_types, (std::map<std::string, std::string>{{"md", "text/markdown; charset=utf-8"},
                                                                {"wasm", "application/wasm"}}));
  EXPECT_EQ(cfg.error_pages,
            (std::map<int, std::string>{{404, "/errors/404.html"}, {503, "/errors/busy.html"}}));

  ASSERT_EQ(cfg.headers.size(), 2u);
  EXPECT_EQ(cfg.headers[0].path, "/assets/**");
  EXPECT_FALSE(cfg.headers[0].has_cors);
  using header = std::pair<std::string, std::string>;
  EXPECT_EQ(cfg.headers[0].set,
            (std::vector<header>{{"Cache-Control", "public, max-age=31536000"}, {"X-Frame-Options", ""}}));
  EXPECT_EQ(cfg.headers[1].path, "/api/*");
  EXPECT_TRUE(cfg.headers[1].set.empty());
  ASSERT_TRUE(cfg.headers[1].has_cors);
  const cors_config& cors = cfg.headers[1].cors;
  EXPECT_EQ(cors.allow_origins, (std::vector<std::string>{"https://a.example", "http://b.example:8080"}));
  EXPECT_EQ(cors.allow_methods, std::vector<std::string>{"GET"});
  EXPECT_EQ(cors.allow_headers, std::vector<std::string>{"X-Token"});
  EXPECT_EQ(cors.expose_headers, std::vector<std::string>{"ETag"});
  EXPECT_TRUE(cors.allow_credentials);
  EXPECT_EQ(cors.max_age_seconds, 600);

  EXPECT_EQ(cfg.limits.max_request_head, 16384u);
  EXPECT_EQ(cfg.limits.max_header_count, 100u);
  EXPECT_EQ(cfg.limits.max_uri_length, 2048u);
  EXPECT_EQ(cfg.limits.max_body_size, 0u);
  EXPECT_EQ(cfg.limits.max_ranges, 4u);
  EXPECT_EQ(cfg.limits.max_connections, 500u);
  EXPECT_EQ(cfg.limits.max_keepalive_requests, 1000u);

  EXPECT_EQ(cfg.timeouts.request_head, milliseconds(5'000));
  EXPECT_EQ(cfg.timeouts.idle, milliseconds(120'000));
  EXPECT_EQ(cfg.timeouts.body, milliseconds(3'600'000));
  EXPECT_EQ(cfg.timeouts.send, milliseconds(1'500));
  EXPECT_EQ(cfg.timeouts.shutdown_grace, milliseconds(1'000));

  EXPECT_EQ(cfg.logging.level, "debug");
  EXPECT_EQ(cfg.logging.error_log, "/var/log/ferry/error.log");
  EXPECT_EQ(cfg.logging.error_format, log_format::json);
  EXPECT_EQ(cfg.logging.access_log, "stdout");
  EXPECT_EQ(cfg.logging.access_format, access_log_format::json);
}

TEST(ConfigLoad, DottedKeysAndInlineTablesAreTheSameLayout) {
  const config cfg = load(R"(files.dotfiles = "allow"
limits = { max_ranges = 3 }
log.level = "warn"
)");
  EXPECT_EQ(cfg.dotfiles, dotfile_policy::allow);
  EXPECT_EQ(cfg.limits.max_ranges, 3u);
  EXPECT_EQ(cfg.logging.level, "warn");
}

TEST(ConfigLoad, EmptyPrecompressedListDisablesSidecars) {
  const config cfg = load("[files]\nprecompressed = []\n");
  EXPECT_FALSE(cfg.precompressed.enabled);
  EXPECT_TRUE(cfg.precompressed.encodings.empty());
}

TEST(ConfigLoader, OpenFileCacheKeys) {
  const config cfg = load("[files]\nopen_file_cache = 0\nopen_file_cache_valid = \"250ms\"\n");
  EXPECT_EQ(cfg.open_file_cache, 0u);
  EXPECT_EQ(cfg.open_file_cache_valid, std::chrono::milliseconds(250));
  EXPECT_NE(error_of("[files]\nopen_file_cache = -1\n").find("test.toml:2: 'files.open_file_cache'"),
            std::string::npos);
  EXPECT_NE(error_of("[files]\nopen_file_cache_valid = \"2h\"\n").find("test.toml:2: 'files.open_file_cache_valid'"),
            std::string::npos);
}

TEST(ConfigLoader, SendfileKey) {
  EXPECT_EQ(load("").sendfile, sendfile_mode::automatic);
  EXPECT_EQ(load("[files]\nsendfile = \"on\"\n").sendfile, sendfile_mode::on);
  EXPECT_EQ(load("[files]\nsendfile = \"off\"\n").sendfile, sendfile_mode::off);
  EXPECT_EQ(load("[[vhosts]]\nserver_names = [\"a.example\"]\nroot = \".\"\nfiles = { sendfile = \"off\" }\n")
                .vhosts.at(0).settings->sendfile,
            sendfile_mode::off);
  EXPECT_NE(error_of("[files]\nsendfile = true\n").find("test.toml:2: 'files.sendfile'"), std::string::npos);
  EXPECT_NE(error_of("[files]\nsendfile = \"always\"\n").find("test.toml:2: 'files.sendfile'"), std::string::npos);
}

TEST(ConfigLoad, EmptyIndexListIsAllowed) {
  EXPECT_TRUE(load("[files]\nindex = []\n").index_files.empty());
}

TEST(ConfigLoad, CorsDefaults) {
  const config cfg = load("[[headers]]\npath = \"/**\"\ncors = { allow_origins = [\"*\"] }\n");
  ASSERT_EQ(cfg.headers.size(), 1u);
  const cors_config& cors = cfg.headers[0].cors;
  EXPECT_EQ(cors.allow_origins, std::vector<std::string>{"*"});
  EXPECT_EQ(cors.allow_methods, (std::vector<std::string>{"GET", "HEAD", "OPTIONS"}));
  EXPECT_TRUE(cors.allow_headers.empty());
  EXPECT_FALSE(cors.allow_credentials);
  EXPECT_EQ(cors.max_age_seconds, -1);
  EXPECT_EQ(load("[[headers]]\npath = \"/**\"\ncors = { allow_origins = [\"*\"], max_age = \"0s\" }\n")
                .headers[0]
                .cors.max_age_seconds,
            0);
}

// --- syntax errors ----------------------------------------------------------------------------

TEST(ConfigErrors, SyntaxErrorHasLine) {
  const auto message = error_of("root = \".\"\n\nworkers = = 3\n");
  EXPECT_EQ(message.rfind("test.toml:3: ", 0), 0u) << message;
}

TEST(ConfigErrors, DuplicateKeyIsASyntaxError) {
  const auto message = error_of("workers = 1\nworkers = 2\n");
  EXPECT_EQ(message.rfind("test.toml:2: ", 0), 0u) << message;
}

TEST(ConfigErrors, InvalidUtf8IsASyntaxError) {
  const auto message = error_of("root = \"\xff\"\n");
  EXPECT_EQ(message.rfind("test.toml:1: ", 0), 0u) << message;
}

// --- unknown keys -----------------------------------------------------------------------------

TEST(ConfigErrors, UnknownTopLevelKey) {
  EXPECT_EQ(error_of("root = \".\"\nwokers = 3\n"), "test.toml:2: unknown key 'wokers'");
  EXPECT_EQ(error_of("\n[server]\nport = 1\n"), "test.toml:2: unknown key 'server'");
}

TEST(ConfigErrors, UnknownKeyInsideTablesNamesTheDottedKey) {
  EXPECT_EQ(error_of("[files]\nindex = []\nindexes = []\n"), "test.toml:3: unknown key 'files.indexes'");
  EXPECT_EQ(error_of("[limits]\nmax_body = 1\n"), "test.toml:2: unknown key 'limits.max_body'");
  EXPECT_EQ(error_of("[timeouts]\nread = \"1s\"\n"), "test.toml:2: unknown key 'timeouts.read'");
  EXPECT_EQ(error_of("[log]\nformat = \"json\"\n"), "test.toml:2: unknown key 'log.format'");
  EXPECT_EQ(
      error_of("[[headers]]\npath = \"/\"\nset = {}\n\n[[headers]]\npath = \"/\"\nset = {}\nsett = {}\n"),
      "test.toml:8: unknown key 'headers[1].sett'");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"*\"], origins = [] }\n"),
            "test.toml:3: unknown key 'headers[0].cors.origins'");
  EXPECT_EQ(error_of("[files]\n\"odd key\" = 1\n"), "test.toml:2: unknown key 'files.\"odd key\"'");
}

TEST(ConfigErrors, EveryProblemIsReportedAtOnce) {
  const auto errors = errors_of(R"(workers = -1
bogus = true
[limits]
max_ranges = 0
[log]
level = "loud"
)");
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "test.toml:1: 'workers' must be between 0 and 1024 (got -1)",
                "test.toml:4: 'limits.max_ranges' must be between 1 and 1000 (got 0)",
                "test.toml:6: 'log.level' = \"loud\": must be one of trace, debug, info, warn, error, "
                "critical, off",
                "test.toml:2: unknown key 'bogus'",
            }));
}

// --- wrong types ------------------------------------------------------------------------------

TEST(ConfigErrors, WrongTypesNameKeyAndExpectedType) {
  EXPECT_EQ(error_of("root = 1\n"), "test.toml:1: 'root' must be a string (got integer)");
  EXPECT_EQ(error_of("workers = \"4\"\n"), "test.toml:1: 'workers' must be an integer (got string)");
  EXPECT_EQ(error_of("workers = 4.0\n"), "test.toml:1: 'workers' must be an integer (got float)");
  EXPECT_EQ(error_of("listen = \"0.0.0.0:80\"\n"),
            "test.toml:1: 'listen' must be an array of listen addresses (got string)");
  EXPECT_EQ(error_of("listen = [8080]\n"),
            "test.toml:1: 'listen[0]' must be a listen address (\"HOST:PORT\") or a table { address = "
            "\"HOST:PORT\", ... } (got integer)");
  EXPECT_EQ(error_of("files = 1\n"), "test.toml:1: 'files' must be a table (got integer)");
  EXPECT_EQ(error_of("[files]\ndirectory_listing = \"yes\"\n"),
            "test.toml:2: 'files.directory_listing' must be a boolean (true or false) (got string)");
  EXPECT_EQ(error_of("[files]\nindex = [\"a\",\n  2]\n"),
            "test.toml:3: 'files.index[1]' must be a string (got integer)");
  EXPECT_EQ(error_of("[files]\nmime_types = []\n"),
            "test.toml:2: 'files.mime_types' must be a table (got array)");
  EXPECT_EQ(error_of("[files.mime_types]\nmd = 1\n"),
            "test.toml:2: 'files.mime_types.md' must be a string (got integer)");
  EXPECT_EQ(error_of("[error_pages]\n404 = true\n"),
            "test.toml:2: 'error_pages.404' must be a string (got boolean)");
  EXPECT_EQ(error_of("[headers]\npath = \"/\"\n"),
            "test.toml:1: 'headers' must be an array of tables ([[headers]]) (got table)");
  EXPECT_EQ(error_of("headers = [1]\n"), "test.toml:1: 'headers[0]' must be a table (got integer)");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\nset = \"x\"\n"),
            "test.toml:3: 'headers[0].set' must be a table (got string)");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\nset = { X-A = 1 }\n"),
            "test.toml:3: 'headers[0].set.X-A' must be a string (got integer)");
  EXPECT_EQ(error_of("[limits]\nmax_header_count = \"64\"\n"),
            "test.toml:2: 'limits.max_header_count' must be an integer (got string)");
  EXPECT_EQ(
      error_of("[limits]\nmax_body_size = 1.5\n"),
      "test.toml:2: 'limits.max_body_size' must be a size (bytes, or a string such as \"8KiB\") (got float)");
  EXPECT_EQ(error_of("[timeouts]\nidle = 60\n"),
            "test.toml:2: 'timeouts.idle' must be a duration string such as \"30s\" (got integer)");
  EXPECT_EQ(error_of("[log]\nlevel = 3\n"), "test.toml:2: 'log.level' must be a string (got integer)");
  EXPECT_EQ(error_of("log = \"info\"\n"), "test.toml:1: 'log' must be a table (got string)");
}

// --- out of range and invalid values ---------------------------------------------------------

TEST(ConfigErrors, TopLevelValues) {
  EXPECT_EQ(error_of("workers = 1025\n"), "test.toml:1: 'workers' must be between 0 and 1024 (got 1025)");
  EXPECT_EQ(load("workers = 1024\n").workers, 1024u);
  EXPECT_EQ(error_of("root = \"\"\n"), "test.toml:1: 'root' = \"\": must name a directory");
  EXPECT_EQ(
      error_of("server_header = \"ferry\\r\\nX-Evil: 1\"\n"),
      "test.toml:1: 'server_header' = \"ferry\\x0d\\x0aX-Evil: 1\": must be printable ASCII (no CR, LF or "
      "other controls)");
  EXPECT_EQ(error_of("server_header = \"f\u00e9rry\"\n").substr(0, 30), "test.toml:1: 'server_header' =");
}

TEST(ConfigErrors, ListenAddresses) {
  EXPECT_EQ(error_of("listen = []\n"), "test.toml:1: 'listen' must list at least one address");
  EXPECT_EQ(error_of("listen = [\n  \"0.0.0.0:80\",\n  \"0.0.0.0:70000\",\n]\n"),
            "test.toml:3: 'listen[1]' = \"0.0.0.0:70000\": port \"70000\" is out of range (0..65535)");
  EXPECT_EQ(error_of("listen = [\"::1:80\"]\n"),
            "test.toml:1: 'listen[0]' = \"::1:80\": IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
  EXPECT_EQ(error_of("listen = [\"0.0.0.0:80\", \"0.0.0.0:80\"]\n"),
            "test.toml:1: 'listen[1]' = \"0.0.0.0:80\": listed twice");
  EXPECT_EQ(error_of("listen = [\"example.com:80\"]\n"),
            "test.toml:1: 'listen[0]' = \"example.com:80\": host \"example.com\" is not an IP address or "
            "\"localhost\"");
}

TEST(ConfigErrors, FilesValues) {
  EXPECT_EQ(error_of("[files]\nindex = [\"a/index.html\"]\n"),
            "test.toml:2: 'files.index[0]' = \"a/index.html\": must be a file name without '/'");
  EXPECT_EQ(error_of("[files]\nindex = [\"\"]\n"), "test.toml:2: 'files.index[0]' = \"\": must not be empty");
  EXPECT_EQ(error_of("[files]\ndotfiles = \"ignore\"\n"),
            "test.toml:2: 'files.dotfiles' must be one of \"deny\", \"allow\" (got \"ignore\")");
  EXPECT_EQ(
      error_of("[files]\nsymlinks = \"yes\"\n"),
      "test.toml:2: 'files.symlinks' must be one of \"within_root\", \"deny\", \"follow\" (got \"yes\")");
  EXPECT_EQ(error_of("[files]\nspa_fallback = \"index.html\"\n"),
            "test.toml:2: 'files.spa_fallback' = \"index.html\": must be an absolute path starting with '/'");
  EXPECT_EQ(
      error_of("[files]\nspa_fallback = \"/../etc/passwd\"\n"),
      "test.toml:2: 'files.spa_fallback' = \"/../etc/passwd\": must not contain \".\" or \"..\" segments");
  EXPECT_EQ(error_of("[files]\nprecompressed = [\"br\", \"deflate\"]\n"),
            "test.toml:2: 'files.precompressed[1]' = \"deflate\": must be one of \"br\", \"zstd\", \"gzip\"");
  EXPECT_EQ(error_of("[files]\nprecompressed = [\"br\", \"br\"]\n"),
            "test.toml:2: 'files.precompressed[1]' = \"br\": listed twice");
}

TEST(ConfigErrors, MimeTypes) {
  EXPECT_EQ(error_of("[files.mime_types]\n\".md\" = \"text/markdown\"\n"),
            "test.toml:2: 'files.mime_types.\".md\"': invalid extension: must be an extension without '.' "
            "(\"html\", not \".html\")");
  EXPECT_EQ(error_of("[files.mime_types]\nmd = \"markdown\"\n"),
            "test.toml:2: 'files.mime_types.md' = \"markdown\": must be \"type/subtype\"");
  EXPECT_EQ(
      error_of("[files.mime_types]\nmd = \"text/mark down\"\n"),
      "test.toml:2: 'files.mime_types.md' = \"text/mark down\": must be \"type/subtype\" made of tokens");
  EXPECT_EQ(
      error_of("[files.mime_types]\nmd = \"text/markdown\\n\"\n"),
      "test.toml:2: 'files.mime_types.md' = \"text/markdown\\x0a\": must be \"type/subtype\" made of tokens");
  EXPECT_EQ(error_of("[files.mime_types]\nmd = \"text/markdown\"\nMD = \"text/plain\"\n"),
            "test.toml:2: 'files.mime_types.md': extension given twice (extensions ignore case)");
}

TEST(ConfigErrors, ErrorPages) {
  EXPECT_EQ(error_of("[error_pages]\n\n399 = \"/x.html\"\n"),
            "test.toml:3: 'error_pages.399': the key must be a status code from 400 to 599");
  EXPECT_EQ(error_of("[error_pages]\n600 = \"/x.html\"\n"),
            "test.toml:2: 'error_pages.600': the key must be a status code from 400 to 599");
  EXPECT_EQ(error_of("[error_pages]\nnotfound = \"/x.html\"\n"),
            "test.toml:2: 'error_pages.notfound': the key must be a status code from 400 to 599");
  EXPECT_EQ(error_of("[error_pages]\n\"0404\" = \"/x.html\"\n"),
            "test.toml:2: 'error_pages.0404': the key must be a status code from 400 to 599");
  EXPECT_EQ(error_of("[error_pages]\n404 = \"x.html\"\n"),
            "test.toml:2: 'error_pages.404' = \"x.html\": must be an absolute path starting with '/'");
  EXPECT_EQ(load("[error_pages]\n400 = \"/a\"\n599 = \"/b\"\n").error_pages.size(), 2u);
}

TEST(ConfigErrors, HeaderRules) {
  EXPECT_EQ(error_of("[[headers]]\nset = { X-A = \"1\" }\n"), "test.toml:1: 'headers[0].path' is required");
  EXPECT_EQ(error_of("[[headers]]\npath = \"assets/*\"\nset = {}\n"),
            "test.toml:2: 'headers[0].path' = \"assets/*\": must start with '/'");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\n"), "test.toml:1: 'headers[0]' needs 'set' or 'cors'");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\n[headers.set]\n\"Bad Name\" = \"1\"\n"),
            "test.toml:4: 'headers[0].set.\"Bad Name\"': a header name must be a token (letters, digits and "
            "!#$%&'*+-.^_`|~)");
  EXPECT_EQ(
      error_of("[[headers]]\npath = \"/\"\nset = { X-A = \"1\\r\\nX-B: 2\" }\n"),
      "test.toml:3: 'headers[0].set.X-A' = \"1\\x0d\\x0aX-B: 2\": a header value must not contain CR or LF");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\nset = { X-A = \"a\\u0000b\" }\n"),
            "test.toml:3: 'headers[0].set.X-A' = \"a\\x00b\": a header value must not contain NUL");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\nset = { content-length = \"0\" }\n"),
            "test.toml:3: 'headers[0].set.content-length': the server sets Content-Length itself");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\nset = { X-A = \"1\", x-a = \"2\" }\n"),
            "test.toml:3: 'headers[0].set.x-a': header set twice (names ignore case)");
}

TEST(ConfigErrors, Cors) {
  EXPECT_EQ(
      error_of(
          "[[headers]]\npath = \"/\"\n\n[headers.cors]\nallow_origins = [\"*\"]\nallow_credentials = true\n"),
      "test.toml:6: 'headers[0].cors': allow_credentials = true cannot be combined with the origin \"*\"");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_methods = [\"GET\"] }\n"),
            "test.toml:3: 'headers[0].cors.allow_origins' is required");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [] }\n"),
            "test.toml:3: 'headers[0].cors.allow_origins' must list at least one origin");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"https://a.example/\"] }\n"),
            "test.toml:3: 'headers[0].cors.allow_origins[0]' = \"https://a.example/\": must not have a path "
            "(\"https://a.example\", no trailing '/')");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"a.example\"] }\n"),
            "test.toml:3: 'headers[0].cors.allow_origins[0]' = \"a.example\": must be \"*\" or "
            "\"scheme://host[:port]\"");
  EXPECT_EQ(
      error_of(
          "[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"*\"], allow_methods = [\"GET POST\"] }\n"),
      "test.toml:3: 'headers[0].cors.allow_methods[0]' = \"GET POST\": must be a token (letters, digits and "
      "!#$%&'*+-.^_`|~)");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"*\"], max_age = \"1500ms\" }\n"),
            "test.toml:3: 'headers[0].cors.max_age' must be a whole number of seconds");
  EXPECT_EQ(error_of("[[headers]]\npath = \"/\"\ncors = { allow_origins = [\"*\"], max_age = \"25h\" }\n"),
            "test.toml:3: 'headers[0].cors.max_age' must be between 0ms and 24h (got 25h)");
}

TEST(ConfigErrors, LimitsAndSizes) {
  EXPECT_EQ(error_of("[limits]\nmax_request_head = \"10\"\n"),
            "test.toml:2: 'limits.max_request_head': invalid size \"10\": needs a unit: B, KiB, MiB or GiB");
  EXPECT_EQ(
      error_of("[limits]\nmax_request_head = \"10x\"\n"),
      "test.toml:2: 'limits.max_request_head': invalid size \"10x\": has unknown unit \"x\" (use B, KiB, MiB "
      "or GiB)");
  EXPECT_EQ(error_of("[limits]\nmax_body_size = -1\n"),
            "test.toml:2: 'limits.max_body_size' must not be negative (got -1)");
  EXPECT_EQ(error_of("[limits]\nmax_body_size = \"99999999999GiB\"\n"),
            "test.toml:2: 'limits.max_body_size': invalid size \"99999999999GiB\": is too large");
  EXPECT_EQ(error_of("[limits]\nmax_request_head = \"512B\"\n"),
            "test.toml:2: 'limits.max_request_head' must be between 1KiB and 1MiB (got 512B)");
  EXPECT_EQ(error_of("[limits]\nmax_request_head = \"2MiB\"\n"),
            "test.toml:2: 'limits.max_request_head' must be between 1KiB and 1MiB (got 2MiB)");
  EXPECT_EQ(error_of("[limits]\nmax_header_count = 1001\n"),
            "test.toml:2: 'limits.max_header_count' must be between 1 and 1000 (got 1001)");
  EXPECT_EQ(error_of("[limits]\nmax_uri_length = \"15B\"\n"),
            "test.toml:2: 'limits.max_uri_length' must be between 16B and 8KiB (got 15B)");
  EXPECT_EQ(error_of("[limits]\nmax_request_head = \"4KiB\"\nmax_uri_length = \"5KiB\"\n"),
            "test.toml:3: 'limits.max_uri_length' must be between 16B and 4KiB (got 5KiB)");
  EXPECT_EQ(error_of("[limits]\nmax_ranges = 0\n"),
            "test.toml:2: 'limits.max_ranges' must be between 1 and 1000 (got 0)");
  EXPECT_EQ(error_of("[limits]\nmax_connections = 0\n"),
            "test.toml:2: 'limits.max_connections' must be at least 1 (got 0)");
  EXPECT_EQ(error_of("[limits]\nmax_keepalive_requests = -5\n"),
            "test.toml:2: 'limits.max_keepalive_requests' must be at least 0 (got -5)");
}

TEST(ConfigErrors, Admission) {
  EXPECT_EQ(error_of("[admission]\nmax_inflight = 0\n"),
            "test.toml:2: 'admission.max_inflight' must be between 1 and 1000000 (got 0)");
  EXPECT_EQ(error_of("[admission]\nmin_inflight = 64\nmax_inflight = 32\n"),
            "test.toml:2: 'admission.min_inflight' (64) must not exceed 'admission.max_inflight' (32)");
  EXPECT_EQ(error_of("[admission]\nqueue_size = -1\n"),
            "test.toml:2: 'admission.queue_size' must be between 0 and 1000000 (got -1)");
  EXPECT_EQ(error_of("[admission]\nlatency_target = \"0ms\"\n"),
            "test.toml:2: 'admission.latency_target' must be between 1ms and 1m (got 0ms)");
  EXPECT_EQ(error_of("[admission]\nretry_after = \"500ms\"\n"),
            "test.toml:2: 'admission.retry_after' must be between 1s and 24h (got 500ms)");
  EXPECT_EQ(error_of("[admission]\nadaptive = \"yes\"\n"),
            "test.toml:2: 'admission.adaptive' must be a boolean (true or false) (got string)");
  EXPECT_EQ(error_of("[admission]\nlimit = 5\n"), "test.toml:2: unknown key 'admission.limit'");
}

TEST(ConfigLoad, AdmissionTable) {
  const config cfg = load(
      "[admission]\nenabled = false\nadaptive = false\nmax_inflight = 8\nmin_inflight = 2\n"
      "latency_target = \"5ms\"\nqueue_size = 0\nqueue_timeout = \"250ms\"\nretry_after = \"2s\"\n"
      "fair_share = false\n");
  EXPECT_FALSE(cfg.admission.enabled);
  EXPECT_FALSE(cfg.admission.fair_share);
  EXPECT_TRUE(load("").admission.fair_share);
  EXPECT_FALSE(cfg.admission.adaptive);
  EXPECT_EQ(cfg.admission.max_inflight, 8u);
  EXPECT_EQ(cfg.admission.min_inflight, 2u);
  EXPECT_EQ(cfg.admission.latency_target, std::chrono::milliseconds(5));
  EXPECT_EQ(cfg.admission.queue_size, 0u);
  EXPECT_EQ(cfg.admission.queue_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(cfg.admission.retry_after, std::chrono::milliseconds(2000));
}

TEST(ConfigLoad, AdmissionFloorFollowsASmallerCeiling) {
  const config cfg = load("[admission]\nmax_inflight = 8\n");
  EXPECT_EQ(cfg.admission.max_inflight, 8u);
  EXPECT_EQ(cfg.admission.min_inflight, 8u);
}

TEST(ConfigLoad, SizesAcceptIntegersAndUnits) {
  EXPECT_EQ(load("[limits]\nmax_request_head = 2048\n").limits.max_request_head, 2048u);
  EXPECT_EQ(load("[limits]\nmax_request_head = \"1MiB\"\n").limits.max_request_head, 1u << 20);
  EXPECT_EQ(load("[limits]\nmax_body_size = \"5GiB\"\n").limits.max_body_size, 5ull << 30);
  EXPECT_EQ(load("[limits]\nmax_uri_length = \"16B\"\n").limits.max_uri_length, 16u);
}

TEST(ConfigLoad, UriLimitDefaultFollowsASmallerHeadLimit) {
  const config cfg = load("[limits]\nmax_request_head = \"2KiB\"\n");
  EXPECT_EQ(cfg.limits.max_request_head, 2048u);
  EXPECT_EQ(cfg.limits.max_uri_length, 2048u);
}

TEST(ConfigErrors, Durations) {
  EXPECT_EQ(error_of("[timeouts]\nidle = \"10\"\n"),
            "test.toml:2: 'timeouts.idle': invalid duration \"10\": needs a unit: ms, s, m or h");
  EXPECT_EQ(
      error_of("[timeouts]\nidle = \"10x\"\n"),
      "test.toml:2: 'timeouts.idle': invalid duration \"10x\": has unknown unit \"x\" (use ms, s, m or h)");
  EXPECT_EQ(error_of("[timeouts]\nsend = \"-1s\"\n"),
            "test.toml:2: 'timeouts.send': invalid duration \"-1s\": must not be negative");
  EXPECT_EQ(error_of("[timeouts]\nbody = \"99999999999999999999h\"\n"),
            "test.toml:2: 'timeouts.body': invalid duration \"99999999999999999999h\": is too large");
  EXPECT_EQ(error_of("[timeouts]\nrequest_head = \"0s\"\n"),
            "test.toml:2: 'timeouts.request_head' must be between 1ms and 24h (got 0ms)");
  EXPECT_EQ(error_of("[timeouts]\nshutdown_grace = \"1441m\"\n"),
            "test.toml:2: 'timeouts.shutdown_grace' must be between 1ms and 24h (got 1441m)");
  EXPECT_EQ(load("[timeouts]\nidle = \"24h\"\n").timeouts.idle, std::chrono::hours(24));
  EXPECT_EQ(load("[timeouts]\nidle = \"1ms\"\n").timeouts.idle, milliseconds(1));
}

TEST(ConfigErrors, Log) {
  EXPECT_EQ(error_of("[log]\nerror_log = \"off\"\n"),
            "test.toml:2: 'log.error_log' = \"off\": the error log cannot be turned off (use \"stderr\", "
            "\"stdout\" "
            "or a file path)");
  EXPECT_EQ(error_of("[log]\naccess_log = \"\"\n"),
            "test.toml:2: 'log.access_log' = \"\": must be \"off\", \"stdout\", \"stderr\" or a file path");
  EXPECT_EQ(error_of("[log]\nerror_format = \"xml\"\n"),
            "test.toml:2: 'log.error_format' must be one of \"text\", \"json\" (got \"xml\")");
  EXPECT_EQ(error_of("[log]\naccess_format = \"common\"\n"),
            "test.toml:2: 'log.access_format' must be one of \"combined\", \"json\" (got \"common\")");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(load(std::string("[log]\nlevel = \"") + level + "\"\n").logging.level, level);
  }
}

TEST(ConfigErrors, SourceNameIsThePrefix) {
  try {
    load_config_string("workers = true\n", "/etc/ferry/ferry.toml", no_modules());
    FAIL() << "no exception";
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "/etc/ferry/ferry.toml:1: 'workers' must be an integer (got boolean)");
  }
}

TEST(ConfigErrors, HostileKeysAreEscapedInMessages) {
  const auto message = error_of("\"evil\\r\\nkey\" = 1\n");
  EXPECT_EQ(message, "test.toml:1: unknown key '\"evil\\x0d\\x0akey\"'");
  EXPECT_EQ(message.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace ferry
