// Top-level tables owned by modules: handed to a compiled module, refused with a clear message
// when the module is not compiled in, "unknown key" otherwise.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_reader.hpp"

namespace ferry {
namespace {

// What the fake module saw.
struct module_calls {
  int calls = 0;
  bool had_table = false;
  std::optional<std::uint64_t> min_size;
};

class fake_encoders : public content_encoder_factory {
 public:
  std::span<const std::string_view> codings() const override { return {}; }
  bool should_compress(std::string_view, std::uint64_t) const override { return false; }
  std::unique_ptr<content_encoder> create(std::string_view) const override { return nullptr; }
};

// A stand-in for the compression module that reads one key through toml_table_reader, the
// way a real module does.
module_descriptor fake_compression(module_calls& seen) {
  return {"compression", "compression",
          [&seen](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            ++seen.calls;
            seen.had_table = table != nullptr;
            out.encoders = std::make_shared<fake_encoders>();
            if (table == nullptr) return;
            toml_table_reader reader(*table, "compression", errors);
            std::uint64_t min_size = 1024;
            if (reader.read_size("min_size", 0, 1 << 20, min_size)) seen.min_size = min_size;
            reader.report_unknown_keys();
          }};
}

std::string error_of(std::string_view text, const module_registry& modules) {
  try {
    load_config_string(text, "m.toml", modules);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(ModuleTables, OwnedTableGoesToTheModule) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  const config cfg = load_config_string("[compression]\nmin_size = \"2KiB\"\n", "m.toml", modules);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(seen.had_table);
  EXPECT_EQ(seen.min_size, 2048u);
  EXPECT_NE(cfg.extensions.encoders, nullptr);
}

TEST(ModuleTables, AbsentTableConfiguresTheModuleWithNull) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  const config cfg = load_config_string("workers = 1\n", "m.toml", modules);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.had_table);
  EXPECT_NE(cfg.extensions.encoders, nullptr);
}

TEST(ModuleTables, DefaultConfigConfiguresEveryModuleWithNull) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  const config cfg = default_config(modules);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.had_table);
  EXPECT_NE(cfg.extensions.encoders, nullptr);
}

TEST(ModuleTables, ModuleErrorsShareTheSinkAndLines) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  EXPECT_EQ(error_of("workers = -3\n[compression]\nmin_size = \"10\"\nlevel = 3\n", modules),
            "m.toml:1: 'workers' must be between 0 and 1024 (got -3)\n"
            "m.toml:3: 'compression.min_size': invalid size \"10\": needs a unit: B, KiB, MiB or GiB\n"
            "m.toml:4: unknown key 'compression.level'");
}

TEST(ModuleTables, OwnedKeyThatIsNotATable) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  EXPECT_EQ(error_of("compression = true\n", modules),
            "m.toml:1: 'compression' must be a table (got boolean)");
  EXPECT_EQ(seen.calls, 0);
}

TEST(ModuleTables, KnownModuleNotCompiledIn) {
  const module_registry none;
  for (const char* name : {"tls", "http2", "compression", "auth", "rate_limit", "metrics"}) {
    EXPECT_EQ(error_of(std::string("\n[") + name + "]\nenabled = true\n", none),
              std::string("m.toml:2: module '") + name + "' is not compiled into this binary");
  }
}

TEST(ModuleTables, OtherModulesTableIsStillNotCompiled) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  EXPECT_EQ(error_of("[compression]\n[tls]\ncert = \"x\"\n", modules),
            "m.toml:2: module 'tls' is not compiled into this binary");
}

TEST(ModuleTables, UnknownTableIsAnUnknownKey) {
  module_calls seen;
  module_registry modules;
  modules.add(fake_compression(seen));
  EXPECT_EQ(error_of("[compresion]\nenabled = true\n", modules), "m.toml:1: unknown key 'compresion'");
}

TEST(ModuleTables, ModuleWithoutConfigureAcceptsItsTable) {
  module_registry modules;
  modules.add({"compression", "compression", nullptr});
  EXPECT_NO_THROW(load_config_string("[compression]\nanything = 1\n", "m.toml", modules));
  EXPECT_NO_THROW(default_config(modules));
}

TEST(ModuleTables, ModuleExceptionBecomesAMessage) {
  module_registry modules;
  modules.add({"metrics", "metrics", [](const toml::table*, config_error_sink&, pipeline_extensions&) {
                 throw std::runtime_error("bad things");
               }});
  EXPECT_EQ(error_of("[metrics]\n", modules), "m.toml:1: module 'metrics': bad things");
  try {
    default_config(modules);
    FAIL() << "no exception";
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "<defaults>: module 'metrics': bad things");
  }
}

TEST(ModuleTables, ModuleErrorInDefaultsThrows) {
  module_registry modules;
  modules.add({"metrics", "metrics", [](const toml::table*, config_error_sink& errors, pipeline_extensions&) {
                 errors.report("metrics needs a table");
               }});
  EXPECT_THROW(default_config(modules), config_error);
}

}  // namespace
}  // namespace ferry
