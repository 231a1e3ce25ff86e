// Windows: a service runs under the account its service configuration names; ferry cannot
// switch to another one, so `user` and `group` are refused at start-up (resolve_identity's
// error becomes a configuration error, exit status 2) rather than accepted and ignored.
#include "server/privileges.hpp"

namespace ferry {

namespace {

constexpr const char* unsupported =
    "switching to another user is not supported on Windows; run ferry under the account it should use";

}  // namespace

user_id effective_user() { return 0; }

identity_lookup resolve_identity(std::string_view, std::string_view) { return {std::nullopt, unsupported}; }

std::string become(const account_identity&) { return unsupported; }

privilege_plan plan_privileges(std::string_view user, user_id) {
  return user.empty() ? privilege_plan::keep : privilege_plan::drop;
}

}  // namespace ferry
