// Registers the metrics module: reads [metrics] (defaults without the table: the endpoint
// exists at /metrics for loopback clients) and, unless disabled, installs the exporter.
#include <memory>

#include "modules/metrics/metrics_config.hpp"
#include "modules/metrics/prometheus_exporter.hpp"
#include "modules/module_registry.hpp"

namespace ferry {

void register_metrics_module(module_registry& registry) {
  registry.add({
      .name = "metrics",
      .table = "metrics",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            metrics_config config = parse_metrics_config(table, errors);
            if (config.enabled) out.metrics = std::make_shared<const prometheus_exporter>(std::move(config));
          },
  });
}

}  // namespace ferry
