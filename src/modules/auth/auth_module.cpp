// Registers the auth module: reads [auth] and, when the table is present, installs the access
// control. Without the table nothing is installed and every request is allowed.
#include <memory>
#include <utility>

#include "modules/auth/auth_access_control.hpp"
#include "modules/auth/auth_commands.hpp"
#include "modules/auth/auth_config.hpp"
#include "modules/module_registry.hpp"

namespace ferry {

void register_auth_module(module_registry& registry) {
  registry.add({
      .name = "auth",
      .table = "auth",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            if (table == nullptr) return;
            std::optional<auth_config> config = load_auth_config(*table, errors);
            if (!config) return;
            out.access = std::make_shared<auth_access_control>(std::move(*config));
          },
      .commands = auth_commands(),
  });
}

}  // namespace ferry
