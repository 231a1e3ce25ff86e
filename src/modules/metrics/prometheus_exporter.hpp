// The metrics module's implementation of the core's metrics_exporter: the configured path and
// allow-list, and the Prometheus text rendering. Immutable once built; shared by all workers.
#pragma once

#include <string>
#include <string_view>

#include "modules/metrics/metrics_config.hpp"
#include "modules/metrics_exporter.hpp"

namespace ferry {

class prometheus_exporter final : public metrics_exporter {
 public:
  explicit prometheus_exporter(metrics_config config) : config_(std::move(config)) {}

  const std::string& path() const override { return config_.path; }
  bool allows(std::string_view address) const override { return config_.allow.allows(address); }
  const std::vector<listener_config>& listeners() const override { return config_.listen; }
  void render(const metrics_snapshot& snapshot, std::string& out) const override;

 private:
  metrics_config config_;
};

}  // namespace ferry
