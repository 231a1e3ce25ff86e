// The [metrics] table: defaults, every key, errors naming "metrics.KEY" with the line, and the
// module's install into the pipeline.
#include "modules/metrics/metrics_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "modules/module_registry.hpp"
#include "modules/pipeline_extensions.hpp"

namespace ferry {

void register_metrics_module(module_registry& registry);

namespace {

struct parsed_config {
  metrics_config config;
  std::vector<std::string> errors;
};

parsed_config parse(std::string_view body) {
  const toml::table document = toml::parse("[metrics]\n" + std::string(body));
  config_error_sink sink("ferry.toml");
  return {parse_metrics_config(document["metrics"].as_table(), sink), sink.messages()};
}

std::string only_error(std::string_view body) {
  const parsed_config result = parse(body);
  EXPECT_EQ(result.errors.size(), 1u) << body;
  return result.errors.size() == 1 ? result.errors.front() : std::string();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(metrics_config, defaults_without_a_table) {
  config_error_sink sink("ferry.toml");
  const metrics_config c = parse_metrics_config(nullptr, sink);
  EXPECT_TRUE(sink.empty());
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.path, "/metrics");
  EXPECT_EQ(c.allow.networks(), cidr_list::loopback().networks());
  EXPECT_TRUE(c.allow.allows("127.0.0.1"));
  EXPECT_TRUE(c.allow.allows("::1"));
  EXPECT_FALSE(c.allow.allows("192.0.2.1"));
}

TEST(metrics_config, an_empty_table_is_the_defaults) {
  const parsed_config p = parse("");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.config.enabled);
  EXPECT_EQ(p.config.path, "/metrics");
  EXPECT_EQ(p.config.allow.networks(), cidr_list::loopback().networks());
}

TEST(metrics_config, every_key) {
  const parsed_config p = parse(R"(
enabled = false
path = "/_internal/prometheus"
allow = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
)");
  EXPECT_TRUE(p.errors.empty()) << p.errors.front();
  EXPECT_FALSE(p.config.enabled);
  EXPECT_EQ(p.config.path, "/_internal/prometheus");
  ASSERT_EQ(p.config.allow.networks().size(), 3u);
  EXPECT_TRUE(p.config.allow.allows("10.9.8.7"));
  EXPECT_TRUE(p.config.allow.allows("2001:db8::42"));
  EXPECT_TRUE(p.config.allow.allows("192.0.2.7"));
  EXPECT_FALSE(p.config.allow.allows("127.0.0.1"));  // the list replaces the default
}

TEST(metrics_config, an_empty_allow_list_allows_nobody) {
  const parsed_config p = parse("allow = []\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.config.allow.networks().empty());
  EXPECT_FALSE(p.config.allow.allows("127.0.0.1"));
  EXPECT_FALSE(p.config.allow.allows("::1"));
}

TEST(metrics_config, opening_to_everyone_takes_both_families) {
  const parsed_config p = parse(R"(allow = ["0.0.0.0/0", "::/0"])");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.config.allow.allows("203.0.113.1"));
  EXPECT_TRUE(p.config.allow.allows("2001:db8::1"));
}

TEST(metrics_config, wrong_types) {
  EXPECT_TRUE(contains(only_error("enabled = \"yes\""), "'metrics.enabled' must be a boolean"));
  EXPECT_TRUE(contains(only_error("path = 1"), "'metrics.path' must be a string"));
  EXPECT_TRUE(contains(only_error("allow = \"127.0.0.1/8\""), "'metrics.allow' must be an array of strings"));
  EXPECT_TRUE(contains(only_error("allow = [\"127.0.0.0/8\", 1]"), "'metrics.allow[1]' must be a string"));
}

TEST(metrics_config, bad_paths_keep_the_default) {
  for (const std::string_view value :
       {"", "metrics", "/metrics?x=1", "/a/../metrics", "/./metrics", "/metrics/.", "/met\\u0001rics",
        "/met%72ics", "/metrics#top", "//metrics", "/a//b", "/met rics", "/met\\\\rics", "/mét", "/metrics\\u007f",
        "/<metrics>"}) {
    const std::string body = "path = \"" + std::string(value) + "\"\n";
    const parsed_config p = parse(body);
    ASSERT_EQ(p.errors.size(), 1u) << value;
    EXPECT_TRUE(contains(p.errors.front(), "ferry.toml:2: 'metrics.path' = ")) << p.errors.front();
    EXPECT_EQ(p.config.path, "/metrics") << value;
  }
}

TEST(metrics_config, path_messages_say_what_is_wrong) {
  EXPECT_TRUE(contains(only_error("path = \"/m?x\""), "'?'"));
  EXPECT_TRUE(contains(only_error("path = \"/a/../m\""), "\"..\""));
  EXPECT_TRUE(contains(only_error("path = \"m\""), "'/'"));
  EXPECT_TRUE(contains(only_error("path = \"/m\\u0000\""), "control"));
}

TEST(metrics_config, good_paths) {
  for (const std::string_view value : {"/", "/metrics/", "/a/b/c", "/_status:prom", "/m-1.2_3~x", "/.well-known/m"}) {
    const parsed_config p = parse("path = \"" + std::string(value) + "\"\n");
    EXPECT_TRUE(p.errors.empty()) << value << ": " << (p.errors.empty() ? "" : p.errors.front());
    EXPECT_EQ(p.config.path, value);
  }
}

TEST(metrics_config, every_bad_allow_entry_is_reported_at_its_line) {
  const parsed_config p = parse(R"(allow = [
  "10.0.0.0/8",
  "10.0.0.1/8",
  "bogus",
  "::/129",
]
)");
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_TRUE(contains(p.errors[0], "ferry.toml:4: 'metrics.allow[1]' = \"10.0.0.1/8\"")) << p.errors[0];
  EXPECT_TRUE(contains(p.errors[0], "10.0.0.0/8")) << p.errors[0];
  EXPECT_TRUE(contains(p.errors[1], "ferry.toml:5: 'metrics.allow[2]' = \"bogus\"")) << p.errors[1];
  EXPECT_TRUE(contains(p.errors[2], "ferry.toml:6: 'metrics.allow[3]' = \"::/129\"")) << p.errors[2];
  // A list with a bad entry is not half-applied: the default stays.
  EXPECT_EQ(p.config.allow.networks(), cidr_list::loopback().networks());
}

TEST(metrics_config, hostile_allow_entries_are_quoted_safely) {
  const std::string error = only_error("allow = [\"1.2.3.4\\n\\u0000/8\"]");
  EXPECT_TRUE(contains(error, "'metrics.allow[0]'")) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_EQ(error.find('\0'), std::string::npos);
}

TEST(metrics_config, unknown_keys_are_errors) {
  const std::string error = only_error("enabled = true\nport = 9100\n");
  EXPECT_TRUE(contains(error, "ferry.toml:3: unknown key 'metrics.port'")) << error;
  const parsed_config p = parse("[metrics.extra]\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_TRUE(contains(p.errors.front(), "unknown key 'metrics.extra'")) << p.errors.front();
}

TEST(metrics_config, other_keys_are_checked_when_disabled) {
  const parsed_config p = parse("enabled = false\npath = \"nope\"\n");
  EXPECT_EQ(p.errors.size(), 1u);
}

// The module as the loader drives it.
struct configured {
  pipeline_extensions extensions;
  std::vector<std::string> errors;
};

configured configure(const toml::table* table) {
  module_registry registry;
  register_metrics_module(registry);
  EXPECT_EQ(registry.modules().size(), 1u);
  const module_descriptor& module = registry.modules().front();
  EXPECT_EQ(module.name, "metrics");
  EXPECT_EQ(module.table, "metrics");
  configured out;
  config_error_sink sink("ferry.toml");
  module.configure(table, sink, out.extensions);
  out.errors = sink.messages();
  return out;
}

TEST(metrics_module, installs_the_exporter_by_default) {
  const configured c = configure(nullptr);
  EXPECT_TRUE(c.errors.empty());
  ASSERT_NE(c.extensions.metrics, nullptr);
  EXPECT_EQ(c.extensions.metrics->path(), "/metrics");
  EXPECT_TRUE(c.extensions.metrics->allows("127.0.0.1"));
  EXPECT_TRUE(c.extensions.metrics->allows("::1"));
  EXPECT_FALSE(c.extensions.metrics->allows("198.51.100.1"));
}

TEST(metrics_module, installs_the_configured_exporter) {
  const toml::table document = toml::parse("[metrics]\npath = \"/prom\"\nallow = [\"198.51.100.0/24\"]\n");
  const configured c = configure(document["metrics"].as_table());
  EXPECT_TRUE(c.errors.empty());
  ASSERT_NE(c.extensions.metrics, nullptr);
  EXPECT_EQ(c.extensions.metrics->path(), "/prom");
  EXPECT_TRUE(c.extensions.metrics->allows("198.51.100.1"));
  EXPECT_FALSE(c.extensions.metrics->allows("127.0.0.1"));
}

TEST(metrics_module, disabled_installs_nothing) {
  const toml::table document = toml::parse("[metrics]\nenabled = false\n");
  const configured c = configure(document["metrics"].as_table());
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.extensions.metrics, nullptr);
}

TEST(metrics_module, the_exporter_appends_its_rendering) {
  const configured c = configure(nullptr);
  ASSERT_NE(c.extensions.metrics, nullptr);
  metrics_snapshot snapshot;
  snapshot.workers = 3;
  std::string out = "kept\n";
  c.extensions.metrics->render(snapshot, out);
  EXPECT_EQ(out.rfind("kept\n# HELP ", 0), 0u);
  EXPECT_TRUE(contains(out, "\nferry_workers 3\n"));
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(metrics_config, own_listeners) {
  EXPECT_TRUE(parse("").config.listen.empty());
  const parsed_config p = parse("listen = [\"127.0.0.1:9100\", \"[::1]:9100\"]\n");
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.config.listen.size(), 2u);
  EXPECT_EQ(p.config.listen[0].host, "127.0.0.1");
  EXPECT_EQ(p.config.listen[0].port, 9100);
  EXPECT_EQ(p.config.listen[1].host, "::1");
  EXPECT_TRUE(contains(only_error("listen = [\"127.0.0.1:9100\", \"127.0.0.1:9100\"]\n"),
                       "'metrics.listen[1]' = \"127.0.0.1:9100\": listed twice"));
  EXPECT_TRUE(contains(only_error("listen = [\"metrics.example:9100\"]\n"), "'metrics.listen[0]'"));
  EXPECT_TRUE(contains(only_error("listen = \"127.0.0.1:9100\"\n"), "metrics.listen"));
}

}  // namespace
}  // namespace ferry
