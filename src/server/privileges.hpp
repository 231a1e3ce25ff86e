// Dropping root: with `user` (and optionally `group`) configured, ferry started as root switches
// to that identity once the listeners are bound and the logs are open, before any worker thread
// starts — the only moments root is needed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

#ifdef _WIN32
// Windows has no numeric users to switch to (posix/privileges.cpp; windows/privileges.cpp
// refuses `user` and `group`), but the types keep the interface one.
using user_id = std::uint32_t;
using group_id = std::uint32_t;
#else
using user_id = uid_t;
using group_id = gid_t;
#endif

// geteuid(); on Windows, 0 never means root there: nothing checks it once `user` is refused.
user_id effective_user();

// Who to become.
struct account_identity {
  user_id uid = 0;
  group_id gid = 0;
  std::string user_name;  // for the supplementary groups; "" for a uid without a passwd entry
  std::string description;  // "nobody (uid 65534, gid 65534)" for the log
};

// The outcome of resolving `user`/`group`: an identity, or why not.
struct identity_lookup {
  std::optional<account_identity> identity;
  std::string error;
};

// Resolves `user` (a name, else a number) and `group` (a name, else a number; "" = the user's
// primary group) through the system's account databases (getpwnam_r/getgrnam_r, so NSS too).
// A numeric uid without a passwd entry needs an explicit group. An unknown user or group is an
// error naming it.
identity_lookup resolve_identity(std::string_view user, std::string_view group);

// Becomes `who`: supplementary groups (initgroups for a named user, else only the group), then
// setgid, then setuid; then checks that root cannot be regained (setuid(0) and, for a non-root
// group, setgid(0) must fail). Returns "" on success, else what failed. Call while this process
// has one thread: the order matters, and a partial change must stop start-up.
std::string become(const account_identity& who);

// What start-up should do with `user`/`group` given the effective uid.
enum class privilege_plan { keep, drop, warn_not_root };
privilege_plan plan_privileges(std::string_view user, user_id effective_uid);

}  // namespace ferry
