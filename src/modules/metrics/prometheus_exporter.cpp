#include "modules/metrics/prometheus_exporter.hpp"

#include "modules/metrics/prometheus_text.hpp"

namespace ferry {

void prometheus_exporter::render(const metrics_snapshot& snapshot, std::string& out) const {
  render_prometheus_text(snapshot, out);
}

}  // namespace ferry
