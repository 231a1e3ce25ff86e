// An embedder's own authorization logic, consulted after the rules. A hook can only narrow:
// it sees requests the rules (or the virtual host's default) allowed, and may refuse them; it is
// never asked about requests the rules refused, so config can always close a path for good.
// Hooks run in registration order on worker threads, concurrently: decide() must be thread-safe,
// must not block for long, and should not throw (a hook that throws refuses the request).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/authorization_decision.hpp"
#include "modules/auth/policy_types.hpp"

namespace ferry {

class authorization_hook {
 public:
  virtual ~authorization_hook() = default;
  // Return authorization_decision::allow(...) to let the request through, or forbid(...) /
  // unauthenticated(...) to refuse it with 403 / 401 (any other status counts as 403). The
  // reason must be static text or owned by the hook for as long as it is registered.
  virtual authorization_decision decide(const principal& who, const request_attributes& request) = 0;
};

struct registered_authorization_hook {
  std::string name;
  std::shared_ptr<authorization_hook> hook;
};

class authorization_hook_registry {
 public:
  // Adds a hook under a unique, non-empty name. Returns an error text, empty on success.
  std::string add(std::string name, std::shared_ptr<authorization_hook> hook);
  bool remove(std::string_view name);
  // The hooks in registration order. A policy takes this copy when it is built (start-up and
  // each config reload), so requests never touch the registry or its lock.
  std::vector<registered_authorization_hook> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<registered_authorization_hook> hooks_;
};

// The process-wide registry the config loader reads. Register before start-up (or before a
// reload) for the hook to take effect.
authorization_hook_registry& authorization_hooks();

// authorization_hooks().add(...).
std::string register_authorization_hook(std::string name, std::shared_ptr<authorization_hook> hook);

}  // namespace ferry
