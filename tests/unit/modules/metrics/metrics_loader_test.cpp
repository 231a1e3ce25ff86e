// The metrics module as the config loader sees it in this build: registered among the compiled
// modules, configured from defaults without a table, errors with file and line.
#include <gtest/gtest.h>

#include <string>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "modules/module_registry.hpp"

namespace ferry {
namespace {

std::string error_of(std::string_view text) {
  try {
    load_config_string(text, "m.toml", compiled_modules());
  } catch (const config_error& e) {
    return e.what();
  }
  return {};
}

TEST(metrics_loader, the_module_is_compiled_in) {
  bool found = false;
  for (const auto& module : compiled_modules().modules()) found |= module.name == "metrics";
  EXPECT_TRUE(found);
}

TEST(metrics_loader, no_table_gives_the_loopback_endpoint) {
  const config cfg = load_config_string("", "m.toml", compiled_modules());
  ASSERT_NE(cfg.extensions.metrics, nullptr);
  EXPECT_EQ(cfg.extensions.metrics->path(), "/metrics");
  EXPECT_TRUE(cfg.extensions.metrics->allows("127.0.0.1"));
  EXPECT_FALSE(cfg.extensions.metrics->allows("192.0.2.1"));
  const config defaults = default_config(compiled_modules());
  EXPECT_NE(defaults.extensions.metrics, nullptr);
}

TEST(metrics_loader, a_table_configures_it) {
  const config cfg =
      load_config_string("[metrics]\npath = \"/stats\"\nallow = [\"0.0.0.0/0\"]\n", "m.toml", compiled_modules());
  ASSERT_NE(cfg.extensions.metrics, nullptr);
  EXPECT_EQ(cfg.extensions.metrics->path(), "/stats");
  EXPECT_TRUE(cfg.extensions.metrics->allows("192.0.2.1"));
  const config off = load_config_string("[metrics]\nenabled = false\n", "m.toml", compiled_modules());
  EXPECT_EQ(off.extensions.metrics, nullptr);
}

TEST(metrics_loader, errors_name_the_file_and_line) {
  EXPECT_EQ(error_of("\n[metrics]\nallow = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n"),
            "m.toml:3: 'metrics.allow[1]' = \"10.0.0.0/33\": the prefix length after '/' must be a number from 0 "
            "to 32");
  EXPECT_EQ(error_of("[metrics]\nport = 1\n"), "m.toml:2: unknown key 'metrics.port'");
  EXPECT_EQ(error_of("metrics = true\n"), "m.toml:1: 'metrics' must be a table (got boolean)");
}

}  // namespace
}  // namespace ferry
