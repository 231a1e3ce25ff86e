#include "modules/auth/authorization_hook.hpp"

#include <algorithm>
#include <utility>

namespace ferry {

std::string authorization_hook_registry::add(std::string name, std::shared_ptr<authorization_hook> hook) {
  if (name.empty()) return "an authorization hook needs a name";
  if (!hook) return "authorization hook \"" + name + "\" is null";
  const std::lock_guard lock(mutex_);
  const bool taken = std::any_of(hooks_.begin(), hooks_.end(),
                                 [&](const registered_authorization_hook& h) { return h.name == name; });
  if (taken) return "an authorization hook named \"" + name + "\" is already registered";
  hooks_.push_back({std::move(name), std::move(hook)});
  return {};
}

bool authorization_hook_registry::remove(std::string_view name) {
  const std::lock_guard lock(mutex_);
  const auto it = std::find_if(hooks_.begin(), hooks_.end(),
                               [&](const registered_authorization_hook& h) { return h.name == name; });
  if (it == hooks_.end()) return false;
  hooks_.erase(it);
  return true;
}

std::vector<registered_authorization_hook> authorization_hook_registry::snapshot() const {
  const std::lock_guard lock(mutex_);
  return hooks_;
}

authorization_hook_registry& authorization_hooks() {
  static authorization_hook_registry registry;
  return registry;
}

std::string register_authorization_hook(std::string name, std::shared_ptr<authorization_hook> hook) {
  return authorization_hooks().add(std::move(name), std::move(hook));
}

}  // namespace ferry
