// The [compression] table: defaults, every key, and errors that name the key and its line.
#include "modules/compression/compression_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "modules/module_registry.hpp"
#include "modules/pipeline_extensions.hpp"

namespace ferry {

void register_compression_module(module_registry& registry);

namespace {

struct parsed {
  compression_config config;
  std::vector<std::string> errors;
};

// Parses `text` as the body of a [compression] table (line 1 is the header).
parsed parse(std::string_view body) {
  const toml::table document = toml::parse("[compression]\n" + std::string(body));
  config_error_sink sink("ferry.toml");
  parsed out{parse_compression_config(document["compression"].as_table(), sink), sink.messages()};
  return out;
}

// The single error message a body produces ("" when there is none or several).
std::string only_error(std::string_view body) {
  const parsed result = parse(body);
  EXPECT_EQ(result.errors.size(), 1u) << body;
  return result.errors.size() == 1 ? result.errors.front() : std::string();
}

const std::vector<std::string> expected_default_types{"text/*",
                                                      "application/javascript",
                                                      "application/json",
                                                      "application/xml",
                                                      "application/wasm",
                                                      "image/svg+xml",
                                                      "application/manifest+json",
                                                      "application/ld+json",
                                                      "application/rss+xml",
                                                      "application/atom+xml",
                                                      "image/x-icon",
                                                      "font/ttf",
                                                      "font/otf",
                                                      "application/vnd.ms-fontobject"};

void expect_defaults(const compression_config& config) {
  EXPECT_TRUE(config.enabled);
  EXPECT_EQ(config.min_size, 1024u);
  EXPECT_EQ(config.types, expected_default_types);
  EXPECT_EQ(config.gzip_level, 6);
  EXPECT_EQ(config.brotli_level, 4);
  EXPECT_EQ(config.under_pressure, compression_pressure_policy::adapt);
}

TEST(compression_config, AbsentTableGivesDefaults) {
  config_error_sink sink("ferry.toml");
  expect_defaults(parse_compression_config(nullptr, sink));
  EXPECT_TRUE(sink.empty());
}

TEST(compression_config, EmptyTableGivesDefaults) {
  const parsed result = parse("");
  expect_defaults(result.config);
  EXPECT_TRUE(result.errors.empty());
}

TEST(compression_config, ReadsEveryKey) {
  const parsed result = parse(R"(
enabled = false
min_size = 2048
types = ["text/html", "Application/JSON", "font/*"]
gzip_level = 9
brotli_level = 11
)");
  ASSERT_TRUE(result.errors.empty()) << result.errors.front();
  EXPECT_FALSE(result.config.enabled);
  EXPECT_EQ(result.config.min_size, 2048u);
  EXPECT_EQ(result.config.types,
            (std::vector<std::string>{"text/html", "application/json", "font/*"}));
  EXPECT_EQ(result.config.gzip_level, 9);
  EXPECT_EQ(result.config.brotli_level, 11);
}

TEST(compression_config, LevelBoundsAreAccepted) {
  for (const char* body :
       {"gzip_level = 1", "gzip_level = 9", "brotli_level = 0", "brotli_level = 11"}) {
    EXPECT_TRUE(parse(body).errors.empty()) << body;
  }
  EXPECT_EQ(parse("brotli_level = 0").config.brotli_level, 0);
  EXPECT_EQ(parse("gzip_level = 1").config.gzip_level, 1);
}

TEST(compression_config, SizesWithUnits) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"min_size = 0", 0},
      {"min_size = \"0B\"", 0},
      {"min_size = \"512B\"", 512},
      {"min_size = \"2KiB\"", 2048},
      {"min_size = \"1MiB\"", 1 << 20},
      {"min_size = \"1GiB\"", 1 << 30},
      {"min_size = \"1024MiB\"", 1 << 30},
      {"min_size = 1073741824", 1 << 30},
      {"min_size = \"0001KiB\"", 1024},
  };
  for (const auto& [body, bytes] : cases) {
    const parsed result = parse(body);
    EXPECT_TRUE(result.errors.empty()) << body;
    EXPECT_EQ(result.config.min_size, bytes) << body;
  }
}

TEST(compression_config, BadSizesNameTheKey) {
  for (const char* body :
       {"min_size = -1", "min_size = 1073741825", "min_size = \"2GiB\"", "min_size = \"1025MiB\"",
        "min_size = \"1GB\"", "min_size = \"1kib\"", "min_size = \"1 KiB\"",
        "min_size = \"1.5KiB\"", "min_size = \"KiB\"", "min_size = \"\"", "min_size = \"-1B\"",
        "min_size = \"1024\"", "min_size = \"99999999999999999999999999GiB\"",
        "min_size = \"1099511627776GiB\"", "min_size = \"18446744073709551616B\"", "min_size = 1.0",
        "min_size = true", "min_size = [1]"}) {
    const parsed result = parse(body);
    ASSERT_EQ(result.errors.size(), 1u) << body;
    EXPECT_NE(result.errors[0].find("compression.min_size"), std::string::npos) << result.errors[0];
    EXPECT_EQ(result.config.min_size, 1024u) << "a bad value keeps the default: " << body;
  }
}

TEST(compression_config, BadLevelsNameTheKey) {
  for (const char* body :
       {"gzip_level = 0", "gzip_level = 10", "gzip_level = -1", "gzip_level = \"6\"",
        "gzip_level = 6.0", "gzip_level = 9223372036854775807"}) {
    EXPECT_NE(only_error(body).find("compression.gzip_level"), std::string::npos) << body;
    EXPECT_EQ(parse(body).config.gzip_level, 6);
  }
  for (const char* body : {"brotli_level = -1", "brotli_level = 12", "brotli_level = false"}) {
    EXPECT_NE(only_error(body).find("compression.brotli_level"), std::string::npos) << body;
    EXPECT_EQ(parse(body).config.brotli_level, 4);
  }
}

TEST(compression_config, UnderPressure) {
  EXPECT_EQ(parse("under_pressure = \"adapt\"").config.under_pressure, compression_pressure_policy::adapt);
  const parsed ignore = parse("under_pressure = \"ignore\"");
  EXPECT_TRUE(ignore.errors.empty());
  EXPECT_EQ(ignore.config.under_pressure, compression_pressure_policy::ignore);
  for (const char* body : {"under_pressure = \"Ignore\"", "under_pressure = \"\"", "under_pressure = \"off\"",
                           "under_pressure = false", "under_pressure = 0", "under_pressure = [\"ignore\"]",
                           "under_pressure = \"ignore\\u0000\""}) {
    EXPECT_NE(only_error(body).find("compression.under_pressure"), std::string::npos) << body;
    EXPECT_EQ(parse(body).config.under_pressure, compression_pressure_policy::adapt) << body;
  }
}

TEST(compression_config, BadEnabledNamesTheKey) {
  for (const char* body : {"enabled = \"yes\"", "enabled = 1", "enabled = {}"}) {
    EXPECT_NE(only_error(body).find("compression.enabled"), std::string::npos) << body;
    EXPECT_TRUE(parse(body).config.enabled);
  }
}

TEST(compression_config, BadTypesNameTheKeyAndKeepDefaults) {
  for (const char* body :
       {"types = \"text/html\"", "types = [1]", "types = [\"text/html; charset=utf-8\"]",
        "types = [\"*/*\"]", "types = [\"*/html\"]", "types = [\"text\"]", "types = [\"text/\"]",
        "types = [\"/html\"]", "types = [\"te xt/html\"]", "types = [\"\"]",
        "types = [\"text/h*\"]", "types = [\"text/html/x\"]",
        "types = [\"text/html\", [\"nested\"]]"}) {
    const parsed result = parse(body);
    ASSERT_EQ(result.errors.size(), 1u) << body;
    EXPECT_NE(result.errors[0].find("compression.types"), std::string::npos) << result.errors[0];
    EXPECT_EQ(result.config.types, expected_default_types) << body;
  }
}

TEST(compression_config, EachBadTypeElementIsReported) {
  const parsed result = parse("types = [\"text/html\", \"bad\", \"*/*\"]");
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_NE(result.errors[0].find("compression.types[1]"), std::string::npos) << result.errors[0];
  EXPECT_NE(result.errors[1].find("compression.types[2]"), std::string::npos) << result.errors[1];
}

TEST(compression_config, EmptyTypesMeansNothingIsCompressed) {
  const parsed result = parse("types = []");
  EXPECT_TRUE(result.errors.empty());
  EXPECT_TRUE(result.config.types.empty());
}

TEST(compression_config, UnknownKeysAreErrors) {
  for (const char* body :
       {"level = 6", "Enabled = true", "min-size = 1", "[compression.gzip]\nlevel = 1"}) {
    const parsed result = parse(body);
    ASSERT_EQ(result.errors.size(), 1u) << body;
    EXPECT_NE(result.errors[0].find("compression."), std::string::npos) << result.errors[0];
    EXPECT_NE(result.errors[0].find("unknown"), std::string::npos) << result.errors[0];
  }
  EXPECT_NE(only_error("level = 6").find("compression.level"), std::string::npos);
}

TEST(compression_config, AllProblemsAreCollectedWithLines) {
  const parsed result = parse(R"(enabled = 3
min_size = "big"
gzip_level = 6
brotli_level = 99
typo = 1
)");
  ASSERT_EQ(result.errors.size(), 4u);
  std::string all;
  for (const auto& e : result.errors) all += e + "\n";
  EXPECT_NE(all.find("ferry.toml:2: compression.enabled"), std::string::npos) << all;
  EXPECT_NE(all.find("ferry.toml:3: compression.min_size"), std::string::npos) << all;
  EXPECT_NE(all.find("ferry.toml:5: compression.brotli_level"), std::string::npos) << all;
  EXPECT_NE(all.find("ferry.toml:6: compression.typo"), std::string::npos) << all;
  EXPECT_EQ(result.config.gzip_level, 6);
}

// --- module registration -------------------------------------------------------------------

const module_descriptor& compression_descriptor(const module_registry& registry) {
  for (const module_descriptor& m : registry.modules()) {
    if (m.name == "compression") return m;
  }
  ADD_FAILURE() << "compression module not registered";
  return registry.modules().front();
}

TEST(compression_module, RegistersUnderItsTable) {
  module_registry registry;
  register_compression_module(registry);
  ASSERT_EQ(registry.modules().size(), 1u);
  EXPECT_EQ(registry.modules()[0].name, "compression");
  EXPECT_EQ(registry.modules()[0].table, "compression");
  EXPECT_TRUE(static_cast<bool>(registry.modules()[0].configure));
}

// The generated list (compiled_modules.cpp) calls this module's registration.
TEST(compression_module, IsAmongCompiledModules) {
  module_registry registry;
  register_compiled_modules(registry);
  bool found = false;
  for (const module_descriptor& m : registry.modules()) found = found || m.name == "compression";
  EXPECT_TRUE(found);
}

TEST(compression_module, DefaultsInstallTheFactory) {
  module_registry registry;
  register_compression_module(registry);
  config_error_sink sink("ferry.toml");
  pipeline_extensions out;
  compression_descriptor(registry).configure(nullptr, sink, out);
  EXPECT_TRUE(sink.empty());
  ASSERT_NE(out.encoders, nullptr);
  EXPECT_TRUE(out.encoders->should_compress("text/html", 1024));
  EXPECT_FALSE(out.encoders->should_compress("text/html", 1023));
  EXPECT_NE(out.encoders->create("gzip"), nullptr);
  EXPECT_NE(out.encoders->create("br"), nullptr);
}

TEST(compression_module, ConfiguredValuesReachTheFactory) {
  module_registry registry;
  register_compression_module(registry);
  const toml::table document =
      toml::parse("[compression]\nmin_size = \"4KiB\"\ntypes = [\"image/bmp\"]\n");
  config_error_sink sink("ferry.toml");
  pipeline_extensions out;
  compression_descriptor(registry).configure(document["compression"].as_table(), sink, out);
  EXPECT_TRUE(sink.empty());
  ASSERT_NE(out.encoders, nullptr);
  EXPECT_TRUE(out.encoders->should_compress("image/bmp", 4096));
  EXPECT_FALSE(out.encoders->should_compress("image/bmp", 4095));
  EXPECT_FALSE(out.encoders->should_compress("text/html", 1 << 20));
}

TEST(compression_module, DisabledInstallsNoFactory) {
  module_registry registry;
  register_compression_module(registry);
  const toml::table document = toml::parse("[compression]\nenabled = false\n");
  config_error_sink sink("ferry.toml");
  pipeline_extensions out;
  compression_descriptor(registry).configure(document["compression"].as_table(), sink, out);
  EXPECT_TRUE(sink.empty());
  EXPECT_EQ(out.encoders, nullptr);
}

TEST(compression_module, ErrorsAreReportedToTheSink) {
  module_registry registry;
  register_compression_module(registry);
  const toml::table document = toml::parse("[compression]\ngzip_level = 42\n");
  config_error_sink sink("ferry.toml");
  pipeline_extensions out;
  compression_descriptor(registry).configure(document["compression"].as_table(), sink, out);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.messages()[0].rfind("ferry.toml:2: compression.gzip_level", 0), 0u)
      << sink.messages()[0];
}

}  // namespace
}  // namespace ferry
