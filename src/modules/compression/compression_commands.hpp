// The compression module's commands on the ferry binary: `ferry precompress ROOT [options]`
// builds the .br, .zst and .gz sidecars the server sends instead of compressing on the fly.
#pragma once

#include <vector>

#include "modules/module_registry.hpp"

namespace ferry {

std::vector<module_command> compression_commands();

// `ferry precompress ARGS...`: exit 0 when done (or, with --check, when nothing is stale),
// 1 when --check found stale sidecars or a file or sidecar failed, 2 for a usage error or a
// ROOT that cannot be opened.
int run_precompress_command(const std::vector<std::string>& args);

}  // namespace ferry
