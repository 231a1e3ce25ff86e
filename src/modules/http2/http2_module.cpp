// Registers the HTTP/2 module: reads [http2] (defaults without the table) and, unless
// disabled, installs the protocol. Configured before the TLS module, which then offers "h2".
#include <memory>

#include "modules/http2/http2_config.hpp"
#include "modules/http2/server_protocol.hpp"
#include "modules/module_registry.hpp"

namespace ferry {

void register_http2_module(module_registry& registry) {
  registry.add({
      .name = "http2",
      .table = "http2",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            http2_config config = parse_http2_config(table, errors);
            if (config.enabled) out.http2 = std::make_shared<const http2_server_protocol>(std::move(config));
          },
  });
}

}  // namespace ferry
