// Registers the rate_limit module: reads [rate_limit] and, when it declares limits, installs
// the limiter the request path consults after authentication: local, or shared through Redis.
#include <memory>

#include "modules/module_registry.hpp"
#include "modules/rate_limit/local_request_limiter.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "modules/rate_limit/redis_request_limiter.hpp"

namespace ferry {

void register_rate_limit_module(module_registry& registry) {
  registry.add({
      .name = "rate_limit",
      .table = "rate_limit",
      .configure =
          [](const toml::table* table, config_error_sink& errors, pipeline_extensions& out) {
            if (table == nullptr) return;
            auto settings = parse_rate_limit_config(*table, errors);
            if (!settings || settings->limits.empty()) return;
            if (settings->backend == rate_limit_backend::redis) {
              out.limits = std::make_shared<const redis_request_limiter>(std::move(*settings));
            } else {
              out.limits = std::make_shared<const local_request_limiter>(std::move(*settings));
            }
          },
  });
}

}  // namespace ferry
