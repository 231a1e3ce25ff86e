// Registers the TLS module: a present [tls] table is parsed, its certificates are loaded (a
// file that fails to load is a config error at its line), and the transport is installed.
// Without the table, pipeline_extensions::tls stays null.
#include <cstddef>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "modules/module_registry.hpp"
#include "modules/tls/tls_config.hpp"
#include "modules/tls/tls_transport.hpp"

namespace ferry {

void register_tls_module(module_registry& registry) {
  registry.add({
      .name = "tls",
      .table = "tls",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            if (table == nullptr) return;
            const std::size_t before = errors.messages().size();
            tls_config config = parse_tls_config(*table, errors);
            if (errors.messages().size() != before) return;  // do not open files named by a bad table
            std::vector<tls_problem> problems;
            // The http2 module is configured first (see src/modules/CMakeLists.txt): when it is
            // on, ALPN prefers "h2".
            std::vector<std::string> alpn{"http/1.1"};
            if (out.http2) alpn.insert(alpn.begin(), "h2");
            out.tls = tls_transport::create(std::move(config), std::move(alpn), problems);
            for (const auto& problem : problems) errors.report(problem.where, problem.text);
          },
  });
}

}  // namespace ferry
