#include "server/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace ferry {

namespace {

// getpwnam_r and friends want a caller's buffer; large group entries need more than the
// sysconf hint, so grow on ERANGE up to a bound.
constexpr std::size_t first_buffer = 4096;
constexpr std::size_t largest_buffer = 1 << 20;

std::optional<unsigned long> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // (uid_t)-1 means "unchanged" to setuid/setresuid: never a valid target.
  if (ec != std::errc() || end != text.data() + text.size() || value >= 0xffffffffUL) return std::nullopt;
  return value;
}

struct user_entry {
  uid_t uid;
  gid_t gid;
  std::string name;
};

// Calls `lookup(buffer, size)` with a growing buffer. Returns the errno-style code, with the
// codes the *_r functions may use for "no such entry" turned into 0 (see getpwnam_r(3)).
template <typename Lookup>
int with_buffer(Lookup lookup) {
  std::vector<char> buffer(first_buffer);
  while (true) {
    int rc = lookup(buffer.data(), buffer.size());
    if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) rc = 0;
    if (rc != ERANGE || buffer.size() >= largest_buffer) return rc;
    buffer.resize(buffer.size() * 2);
  }
}

std::optional<user_entry> find_user(std::string_view name_or_id, int& error) {
  const std::string key(name_or_id);
  std::optional<user_entry> out;
  error = with_buffer([&](char* buffer, std::size_t size) {
    passwd entry{};
    passwd* result = nullptr;
    int rc = ::getpwnam_r(key.c_str(), &entry, buffer, size, &result);
    if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) rc = 0;
    if (rc == 0 && result == nullptr) {
      if (const auto id = parse_id(key)) {
        rc = ::getpwuid_r(static_cast<uid_t>(*id), &entry, buffer, size, &result);
        if (rc == 0 && result == nullptr) {
          out = user_entry{static_cast<uid_t>(*id), static_cast<gid_t>(-1), std::string()};
          return 0;
        }
      }
    }
    if (rc == 0 && result != nullptr) out = user_entry{result->pw_uid, result->pw_gid, result->pw_name};
    return rc;
  });
  return out;
}

std::optional<gid_t> find_group(std::string_view name_or_id, int& error) {
  const std::string key(name_or_id);
  std::optional<gid_t> out;
  error = with_buffer([&](char* buffer, std::size_t size) {
    group entry{};
    group* result = nullptr;
    const int rc = ::getgrnam_r(key.c_str(), &entry, buffer, size, &result);
    if (rc == 0 && result != nullptr) out = result->gr_gid;
    return rc;
  });
  if (!out && error == 0) {
    if (const auto id = parse_id(key)) out = static_cast<gid_t>(*id);
  }
  return out;
}

std::string errno_text(const char* what, int error) { return std::string(what) + ": " + std::strerror(error); }

}  // namespace

identity_lookup resolve_identity(std::string_view user, std::string_view group) {
  identity_lookup out;
  int error = 0;
  const auto found_user = find_user(user, error);
  if (!found_user) {
    out.error = error != 0 ? "user \"" + std::string(user) + "\": " + std::strerror(error)
                           : "user \"" + std::string(user) + "\" does not exist";
    return out;
  }
  account_identity who;
  who.uid = found_user->uid;
  who.user_name = found_user->name;
  if (group.empty()) {
    if (found_user->name.empty()) {
      out.error = "user " + std::string(user) + " has no passwd entry, so it has no primary group: set group too";
      return out;
    }
    who.gid = found_user->gid;
  } else {
    const auto found_group = find_group(group, error);
    if (!found_group) {
      out.error = error != 0 ? "group \"" + std::string(group) + "\": " + std::strerror(error)
                             : "group \"" + std::string(group) + "\" does not exist";
      return out;
    }
    who.gid = *found_group;
  }
  who.description = (who.user_name.empty() ? std::string("uid ") + std::to_string(who.uid) : who.user_name) +
                    " (uid " + std::to_string(who.uid) + ", gid " + std::to_string(who.gid) + ")";
  out.identity = std::move(who);
  return out;
}

std::string become(const account_identity& who) {
  // Groups first: once the uid is no longer 0, changing groups is not allowed any more.
  if (!who.user_name.empty()) {
    if (::initgroups(who.user_name.c_str(), who.gid) != 0) return errno_text("initgroups", errno);
  } else {
    const gid_t only = who.gid;
    if (::setgroups(1, &only) != 0) return errno_text("setgroups", errno);
  }
  // setres*id: real, effective and saved ids together, so nothing is left to switch back to.
  if (::setresgid(who.gid, who.gid, who.gid) != 0) return errno_text("setgid", errno);
  if (::setresuid(who.uid, who.uid, who.uid) != 0) return errno_text("setuid", errno);
  if (who.uid != 0) {
    if (::setuid(0) == 0) return "setuid(0) still succeeds after dropping to " + who.description;
    if (who.gid != 0 && ::setgid(0) == 0) return "setgid(0) still succeeds after dropping to " + who.description;
  }
  return {};
}

user_id effective_user() { return ::geteuid(); }

privilege_plan plan_privileges(std::string_view user, user_id effective_uid) {
  if (user.empty()) return privilege_plan::keep;
  return effective_uid == 0 ? privilege_plan::drop : privilege_plan::warn_not_root;
}

}  // namespace ferry
