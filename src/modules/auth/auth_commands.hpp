// The auth module's commands on the ferry binary: `ferry generate-key`, `ferry hash-key [KEY]`
// and `ferry audit verify [--continued] FILE`.
#pragma once

#include <vector>

#include "modules/module_registry.hpp"

namespace ferry {

std::vector<module_command> auth_commands();

}  // namespace ferry
