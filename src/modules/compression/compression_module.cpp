// Placeholder until the compression module lands.
#include "modules/module_registry.hpp"
namespace ferry {
void register_compression_module(module_registry& registry) {
  registry.add({"compression", "compression", nullptr});
}
}  // namespace ferry
