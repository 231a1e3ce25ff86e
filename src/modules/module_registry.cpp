#include "modules/module_registry.hpp"

namespace ferry {

const module_registry& compiled_modules() {
  static const module_registry registry = [] {
    module_registry r;
    register_compiled_modules(r);
    return r;
  }();
  return registry;
}

}  // namespace ferry
