// The [http2] table: defaults, every key, errors naming "http2.KEY", and the module's install.
#include "modules/http2/http2_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "modules/module_registry.hpp"
#include "modules/pipeline_extensions.hpp"

namespace ferry {

void register_http2_module(module_registry& registry);

namespace {

struct parsed_config {
  http2_config config;
  std::vector<std::string> errors;
};

parsed_config parse(std::string_view body) {
  const toml::table document = toml::parse("[http2]\n" + std::string(body));
  config_error_sink sink("ferry.toml");
  return {parse_http2_config(document["http2"].as_table(), sink), sink.messages()};
}

std::string only_error(std::string_view body) {
  const parsed_config result = parse(body);
  EXPECT_EQ(result.errors.size(), 1u) << body;
  return result.errors.size() == 1 ? result.errors.front() : std::string();
}

TEST(http2_config, defaults_without_a_table) {
  config_error_sink sink("ferry.toml");
  const http2_config c = parse_http2_config(nullptr, sink);
  EXPECT_TRUE(sink.empty());
  EXPECT_TRUE(c.enabled);
  EXPECT_TRUE(c.cleartext);
  EXPECT_EQ(c.max_concurrent_streams, 100u);
  EXPECT_EQ(c.initial_window_size, 65535u);
  EXPECT_EQ(c.max_frame_size, 16384u);
  EXPECT_EQ(c.header_table_size, 4096u);
  EXPECT_EQ(c.flood.reset_burst, 200u);
  EXPECT_EQ(c.flood.reset_rate, 33u);
  EXPECT_EQ(c.flood.window, std::chrono::seconds(10));
  EXPECT_EQ(c.flood.max_provoked_resets, 100u);
  EXPECT_EQ(c.flood.max_empty_frames, 100u);
  EXPECT_EQ(c.flood.max_priority_frames, 1000u);
  EXPECT_EQ(c.flood.max_window_updates, 1000u);
  EXPECT_EQ(c.flood.max_control_frames, 500u);
  EXPECT_EQ(c.flood.max_continuations, 8u);
  EXPECT_EQ(c.flood.max_settings_entries, 32u);
  EXPECT_EQ(c.flood.max_queued_acks, 100u);
}

TEST(http2_config, an_empty_table_is_the_defaults) {
  const parsed_config p = parse("");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.config.max_concurrent_streams, 100u);
}

TEST(http2_config, every_key) {
  const parsed_config p = parse(R"(
enabled = false
cleartext = false
max_concurrent_streams = 250
initial_window_size = "1MiB"
max_frame_size = "64KiB"
header_table_size = 0
reset_burst = 50
reset_rate = 10
flood_window = "30s"
max_provoked_resets = 20
max_empty_frames = 30
max_priority_frames = 40
max_window_updates = 50
max_control_frames = 60
max_continuations = 2
max_settings_entries = 16
max_queued_acks = 70
)");
  EXPECT_TRUE(p.errors.empty()) << (p.errors.empty() ? "" : p.errors.front());
  const http2_config& c = p.config;
  EXPECT_FALSE(c.enabled);
  EXPECT_FALSE(c.cleartext);
  EXPECT_EQ(c.max_concurrent_streams, 250u);
  EXPECT_EQ(c.initial_window_size, 1u << 20);
  EXPECT_EQ(c.max_frame_size, 65536u);
  EXPECT_EQ(c.header_table_size, 0u);
  EXPECT_EQ(c.flood.reset_burst, 50u);
  EXPECT_EQ(c.flood.reset_rate, 10u);
  EXPECT_EQ(c.flood.window, std::chrono::seconds(30));
  EXPECT_EQ(c.flood.max_provoked_resets, 20u);
  EXPECT_EQ(c.flood.max_empty_frames, 30u);
  EXPECT_EQ(c.flood.max_priority_frames, 40u);
  EXPECT_EQ(c.flood.max_window_updates, 50u);
  EXPECT_EQ(c.flood.max_control_frames, 60u);
  EXPECT_EQ(c.flood.max_continuations, 2u);
  EXPECT_EQ(c.flood.max_settings_entries, 16u);
  EXPECT_EQ(c.flood.max_queued_acks, 70u);
}

TEST(http2_config, bounds_are_inclusive) {
  EXPECT_TRUE(parse("max_concurrent_streams = 1").errors.empty());
  EXPECT_TRUE(parse("max_concurrent_streams = 1000").errors.empty());
  EXPECT_TRUE(parse("max_frame_size = 16777215").errors.empty());
  EXPECT_TRUE(parse("initial_window_size = \"16MiB\"").errors.empty());
  EXPECT_TRUE(parse("header_table_size = \"64KiB\"").errors.empty());
  EXPECT_TRUE(parse("max_continuations = 0").errors.empty());
}

TEST(http2_config, bad_values_name_the_key) {
  struct bad {
    const char* body;
    const char* key;
  };
  const bad cases[] = {
      {"enabled = 1", "http2.enabled"},
      {"cleartext = \"yes\"", "http2.cleartext"},
      {"max_concurrent_streams = 0", "http2.max_concurrent_streams"},
      {"max_concurrent_streams = 1001", "http2.max_concurrent_streams"},
      {"max_concurrent_streams = \"10\"", "http2.max_concurrent_streams"},
      {"initial_window_size = 100", "http2.initial_window_size"},
      {"initial_window_size = \"32MiB\"", "http2.initial_window_size"},
      {"initial_window_size = \"64KB\"", "http2.initial_window_size"},
      {"max_frame_size = \"8KiB\"", "http2.max_frame_size"},
      {"max_frame_size = \"16MiB\"", "http2.max_frame_size"},
      {"header_table_size = \"1MiB\"", "http2.header_table_size"},
      {"header_table_size = -1", "http2.header_table_size"},
      {"reset_burst = 0", "http2.reset_burst"},
      {"reset_rate = 0", "http2.reset_rate"},
      {"reset_rate = 100001", "http2.reset_rate"},
      {"flood_window = \"10\"", "http2.flood_window"},
      {"flood_window = \"1ms\"", "http2.flood_window"},
      {"flood_window = \"2h\"", "http2.flood_window"},
      {"max_provoked_resets = 0", "http2.max_provoked_resets"},
      {"max_empty_frames = 0", "http2.max_empty_frames"},
      {"max_priority_frames = 1.5", "http2.max_priority_frames"},
      {"max_window_updates = 0", "http2.max_window_updates"},
      {"max_control_frames = 0", "http2.max_control_frames"},
      {"max_continuations = 1001", "http2.max_continuations"},
      {"max_settings_entries = 7", "http2.max_settings_entries"},
      {"max_queued_acks = 0", "http2.max_queued_acks"},
      {"max_streams = 10", "http2.max_streams"},
  };
  for (const bad& c : cases) {
    const std::string error = only_error(c.body);
    EXPECT_NE(error.find(std::string("'") + c.key + "'"), std::string::npos) << c.body << " → " << error;
    EXPECT_NE(error.find("ferry.toml:2"), std::string::npos) << error;
  }
}

TEST(http2_config, a_bad_key_keeps_its_default_and_all_problems_are_reported) {
  const parsed_config p = parse("max_concurrent_streams = 0\nmax_frame_size = 1\nmax_empty_frames = 5");
  EXPECT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.config.max_concurrent_streams, 100u);
  EXPECT_EQ(p.config.max_frame_size, 16384u);
  EXPECT_EQ(p.config.flood.max_empty_frames, 5u);
}

pipeline_extensions configure(const toml::table* table, std::vector<std::string>* errors = nullptr) {
  module_registry registry;
  register_http2_module(registry);
  EXPECT_EQ(registry.modules().size(), 1u);
  EXPECT_EQ(registry.modules()[0].name, "http2");
  EXPECT_EQ(registry.modules()[0].table, "http2");
  config_error_sink sink("ferry.toml");
  pipeline_extensions out;
  registry.modules()[0].configure(table, sink, out);
  if (errors != nullptr) *errors = sink.messages();
  return out;
}

TEST(http2_module, on_by_default_without_a_table) {
  const pipeline_extensions out = configure(nullptr);
  ASSERT_NE(out.http2, nullptr);
  EXPECT_TRUE(out.http2->cleartext());
}

TEST(http2_module, disabled_leaves_the_slot_empty) {
  const toml::table document = toml::parse("[http2]\nenabled = false\n");
  EXPECT_EQ(configure(document["http2"].as_table()).http2, nullptr);
}

TEST(http2_module, cleartext_off_is_passed_on) {
  const toml::table document = toml::parse("[http2]\ncleartext = false\n");
  const pipeline_extensions out = configure(document["http2"].as_table());
  ASSERT_NE(out.http2, nullptr);
  EXPECT_FALSE(out.http2->cleartext());
}

TEST(http2_module, opens_sessions_that_speak_first) {
  const pipeline_extensions out = configure(nullptr);
  ASSERT_NE(out.http2, nullptr);
  struct no_handler : http2_stream_handler {
    void on_request(std::int32_t, const request&) override {}
    void on_stream_closed(std::int32_t, bool, std::uint64_t) override {}
  } handler;
  auto session = out.http2->open(handler, http2_limits{});
  ASSERT_NE(session, nullptr);
  EXPECT_TRUE(session->wants_write());
  std::string bytes;
  session->produce(bytes, 1024);
  ASSERT_GE(bytes.size(), 9u);
  EXPECT_EQ(bytes[3], 0x4);  // SETTINGS
}

TEST(http2_module, errors_are_reported_through_the_sink) {
  const toml::table document = toml::parse("[http2]\nmax_concurrent_streams = 0\n");
  std::vector<std::string> errors;
  configure(document["http2"].as_table(), &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("http2.max_concurrent_streams"), std::string::npos);
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

// config/ferry.toml states every [http2] key with its default: it must parse to the defaults.
TEST(http2_config, ExampleConfigStatesTheDefaults) {
  const auto source = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path()
                          .parent_path() / "config" / "ferry.toml";
  const toml::table document = toml::parse_file(source.string());
  config_error_sink sink("ferry.toml");
  const http2_config stated = parse_http2_config(document["http2"].as_table(), sink);
  ASSERT_TRUE(sink.empty()) << sink.messages().front();
  ASSERT_NE(document["http2"].as_table(), nullptr);
  const http2_config defaults;
  EXPECT_EQ(stated.enabled, defaults.enabled);
  EXPECT_EQ(stated.cleartext, defaults.cleartext);
  EXPECT_EQ(stated.max_concurrent_streams, defaults.max_concurrent_streams);
  EXPECT_EQ(stated.initial_window_size, defaults.initial_window_size);
  EXPECT_EQ(stated.max_frame_size, defaults.max_frame_size);
  EXPECT_EQ(stated.header_table_size, defaults.header_table_size);
  EXPECT_EQ(stated.flood.reset_burst, defaults.flood.reset_burst);
  EXPECT_EQ(stated.flood.reset_rate, defaults.flood.reset_rate);
  EXPECT_EQ(stated.flood.window, defaults.flood.window);
  EXPECT_EQ(stated.flood.max_provoked_resets, defaults.flood.max_provoked_resets);
  EXPECT_EQ(stated.flood.max_empty_frames, defaults.flood.max_empty_frames);
  EXPECT_EQ(stated.flood.max_priority_frames, defaults.flood.max_priority_frames);
  EXPECT_EQ(stated.flood.max_window_updates, defaults.flood.max_window_updates);
  EXPECT_EQ(stated.flood.max_control_frames, defaults.flood.max_control_frames);
  EXPECT_EQ(stated.flood.max_continuations, defaults.flood.max_continuations);
  EXPECT_EQ(stated.flood.max_settings_entries, defaults.flood.max_settings_entries);
  EXPECT_EQ(stated.flood.max_queued_acks, defaults.flood.max_queued_acks);
}

}  // namespace
}  // namespace ferry
