// The [metrics] table as plain values, read once per configuration. The exporter sees these
// values, never TOML.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/listener_config.hpp"

#include "config/cidr_list.hpp"

namespace ferry {

class config_error_sink;

struct metrics_config {
  bool enabled = true;
  std::string path = "/metrics";
  cidr_list allow = cidr_list::loopback();  // an empty list allows nobody
  std::vector<listener_config> listen;       // own listeners; none: on every listener
};

// The endpoint path: '/' followed by RFC 3986 path characters (letters, digits,
// "-._~!$&'()*+,;=:@" and '/'), no empty, "." or ".." segments. These are exactly the paths
// whose request target, raw or percent-decoded and normalised, reads the same, so the core
// may compare either. Returns "" when fine, else what is wrong.
std::string check_metrics_path(std::string_view path);

// Reads [metrics]; a null table gives the defaults. Unknown keys, wrong types and bad values
// are reported to `errors` naming "metrics.KEY" (or "metrics.allow[i]") at the value's line;
// such a key keeps its default. Never throws for bad input.
metrics_config parse_metrics_config(const toml::table* table, config_error_sink& errors);

}  // namespace ferry
