#include "server/privileges.hpp"

#include <gtest/gtest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

namespace ferry {
namespace {

// A uid and gid no account database here is expected to know.
constexpr uid_t unknown_uid = 3999999;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs `body` in a child process (changing identity cannot be undone in this one); returns its
// exit status, or -1 when it did not exit normally.
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(plan_privileges, only_root_with_a_user_drops) {
  EXPECT_EQ(plan_privileges("", 0), privilege_plan::keep);
  EXPECT_EQ(plan_privileges("", 1000), privilege_plan::keep);
  EXPECT_EQ(plan_privileges("nobody", 0), privilege_plan::drop);
  EXPECT_EQ(plan_privileges("nobody", 1000), privilege_plan::warn_not_root);
}

TEST(resolve_identity, a_user_name_with_its_primary_group) {
  const auto lookup = resolve_identity("root", "");
  ASSERT_TRUE(lookup.identity.has_value()) << lookup.error;
  EXPECT_EQ(lookup.identity->uid, 0u);
  EXPECT_EQ(lookup.identity->gid, 0u);
  EXPECT_EQ(lookup.identity->user_name, "root");
  EXPECT_EQ(lookup.identity->description, "root (uid 0, gid 0)");
}

TEST(resolve_identity, agrees_with_the_passwd_database) {
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "no user nobody here";
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;
  const auto lookup = resolve_identity("nobody", "");
  ASSERT_TRUE(lookup.identity.has_value()) << lookup.error;
  EXPECT_EQ(lookup.identity->uid, uid);
  EXPECT_EQ(lookup.identity->gid, gid);
  EXPECT_EQ(lookup.identity->user_name, "nobody");
}

TEST(resolve_identity, numbers_for_user_and_group) {
  auto lookup = resolve_identity("0", "");  // uid 0 has an entry: its name and group are used
  ASSERT_TRUE(lookup.identity.has_value()) << lookup.error;
  EXPECT_EQ(lookup.identity->user_name, "root");
  lookup = resolve_identity(std::to_string(unknown_uid), "12345");
  ASSERT_TRUE(lookup.identity.has_value()) << lookup.error;
  EXPECT_EQ(lookup.identity->uid, unknown_uid);
  EXPECT_EQ(lookup.identity->gid, 12345u);
  EXPECT_EQ(lookup.identity->user_name, "");
  EXPECT_TRUE(contains(lookup.identity->description, "uid 3999999")) << lookup.identity->description;
}

TEST(resolve_identity, a_uid_without_an_entry_needs_a_group) {
  const auto lookup = resolve_identity(std::to_string(unknown_uid), "");
  EXPECT_FALSE(lookup.identity.has_value());
  EXPECT_TRUE(contains(lookup.error, "set group")) << lookup.error;
}

TEST(resolve_identity, a_group_by_name_overrides_the_primary_group) {
  const group* root_group = ::getgrgid(0);
  if (root_group == nullptr) GTEST_SKIP() << "no group 0 here";
  const std::string name = root_group->gr_name;
  const auto lookup = resolve_identity("nobody", name);
  if (!lookup.identity && contains(lookup.error, "nobody")) GTEST_SKIP() << "no user nobody here";
  ASSERT_TRUE(lookup.identity.has_value()) << lookup.error;
  EXPECT_EQ(lookup.identity->gid, 0u);
}

TEST(resolve_identity, unknown_user_or_group_is_an_error_naming_it) {
  auto lookup = resolve_identity("ferry-no-such-user", "");
  EXPECT_FALSE(lookup.identity.has_value());
  EXPECT_TRUE(contains(lookup.error, "\"ferry-no-such-user\" does not exist")) << lookup.error;
  lookup = resolve_identity("root", "ferry-no-such-group");
  EXPECT_FALSE(lookup.identity.has_value());
  EXPECT_TRUE(contains(lookup.error, "\"ferry-no-such-group\" does not exist")) << lookup.error;
}

TEST(resolve_identity, out_of_range_numbers_are_not_ids) {
  // (uid_t)-1 means "leave unchanged" to the set*id calls; larger numbers do not fit.
  for (const char* bad : {"4294967295", "4294967296", "99999999999"}) {
    EXPECT_FALSE(resolve_identity(bad, "0").identity.has_value()) << bad;
    EXPECT_FALSE(resolve_identity("root", bad).identity.has_value()) << bad;
  }
}

TEST(become, drops_to_the_user_and_cannot_regain_root) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const auto lookup = resolve_identity("nobody", "");
  if (!lookup.identity) GTEST_SKIP() << lookup.error;
  const auto who = *lookup.identity;
  const int status = in_child([&who] {
    if (!become(who).empty()) return 10;
    uid_t r = 0, e = 0, s = 0;
    ::getresuid(&r, &e, &s);
    if (r != who.uid || e != who.uid || s != who.uid) return 11;
    gid_t gr = 0, ge = 0, gs = 0;
    ::getresgid(&gr, &ge, &gs);
    if (gr != who.gid || ge != who.gid || gs != who.gid) return 12;
    std::vector<gid_t> groups(static_cast<std::size_t>(::getgroups(0, nullptr)) + 1);
    const int count = ::getgroups(static_cast<int>(groups.size()), groups.data());
    for (int i = 0; i < count; ++i) {
      if (groups[static_cast<std::size_t>(i)] == 0) return 13;  // root's group 0 must be gone
    }
    if (::setuid(0) == 0 || ::seteuid(0) == 0) return 14;
    return 0;
  });
  EXPECT_EQ(status, 0);
}

TEST(become, a_numeric_identity_gets_only_its_group) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  account_identity who;
  who.uid = unknown_uid;
  who.gid = 3999998;
  who.description = "test";
  const int status = in_child([&who] {
    if (!become(who).empty()) return 10;
    gid_t groups[4];
    const int count = ::getgroups(4, groups);
    if (count != 1 || groups[0] != who.gid) return 11;
    if (::getuid() != who.uid || ::getgid() != who.gid) return 12;
    return 0;
  });
  EXPECT_EQ(status, 0);
}

TEST(become, fails_cleanly_without_privileges) {
  if (::geteuid() != 0) {
    account_identity root;  // uid 0, gid 0
    root.user_name = "root";
    EXPECT_FALSE(become(root).empty());
    return;
  }
  const auto lookup = resolve_identity("nobody", "");
  if (!lookup.identity) GTEST_SKIP() << lookup.error;
  const auto who = *lookup.identity;
  const int status = in_child([&who] {
    if (!become(who).empty()) return 10;
    account_identity root;
    root.user_name = "root";
    return become(root).empty() ? 11 : 0;  // no way back
  });
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace ferry
