// Registers the compression module: reads [compression] and, unless disabled, installs the
// encoder factory the core consults for on-the-fly gzip and brotli.
#include <memory>

#include "modules/compression/compression_commands.hpp"
#include "modules/compression/compression_config.hpp"
#include "modules/compression/compression_factory.hpp"
#include "modules/module_registry.hpp"

namespace ferry {

void register_compression_module(module_registry& registry) {
  registry.add({
      .name = "compression",
      .table = "compression",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            const compression_config config = parse_compression_config(table, errors);
            if (config.enabled) out.encoders = std::make_shared<const compression_factory>(config);
          },
      .commands = compression_commands(),
  });
}

}  // namespace ferry
