#include "files/file_resolver.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

// The same containment promises with openat2 (Linux) and with the portable fallback (the
// parameter; elsewhere both runs take the platform's one way).
class FileResolverTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    file_resolver::use_fallback_for_testing(GetParam());
    root_ = (base_.path() / "root").string();
    fs::create_directories(root_ + "/dir/sub");
    std::ofstream(root_ + "/dir/sub/file.txt") << "inside";
    std::ofstream(root_ + "/.hidden") << "dot";
    std::ofstream(base_.file("secret.txt")) << "outside";
    std::error_code failed;
    fs::create_symlink(base_.file("secret.txt"), root_ + "/abs-out", failed);
    if (!failed) fs::create_symlink("../secret.txt", root_ + "/rel-out", failed);
    if (!failed) fs::create_symlink("dir/sub/file.txt", root_ + "/in-link", failed);
    if (!failed) fs::create_directory_symlink(base_.path(), root_ + "/dir-out", failed);
    links_ = !failed;
#ifndef _WIN32
    ASSERT_TRUE(links_) << failed.message();
#endif
  }
  void TearDown() override { file_resolver::use_fallback_for_testing(false); }

  // Only openat2 (RESOLVE_BENEATH) can tell a symlink that stays beneath the root from one that
  // leaves it; the other ways refuse every symlink (documented: stricter, never looser).
  bool follows_links_within_root() const {
#ifdef __linux__
    return !GetParam();
#else
    return false;
#endif
  }

  test::temp_dir base_;
  std::string root_;
  // Windows lets only administrators and developer mode make symbolic links (and wine none).
  bool links_ = false;
};

#define REQUIRE_LINKS() \
  if (!links_) GTEST_SKIP() << "symbolic links cannot be created here"

TEST_P(FileResolverTest, ServesFilesAndDirectoriesInsideTheRoot) {
  file_resolver r(root_, symlink_policy::within_root, dotfile_policy::deny);
  const auto f = r.open("/dir/sub/file.txt");
  ASSERT_EQ(f.kind, lookup_kind::file);
  EXPECT_EQ(f.file.size, 6u);
  EXPECT_EQ(r.open("/dir/sub/").kind, lookup_kind::directory);
  EXPECT_EQ(r.open("/").kind, lookup_kind::directory);
  EXPECT_EQ(r.open("/missing").kind, lookup_kind::not_found);
}

TEST_P(FileResolverTest, NothingOutsideTheRootThroughSymlinks) {
  REQUIRE_LINKS();
  file_resolver within(root_, symlink_policy::within_root, dotfile_policy::deny);
  EXPECT_EQ(within.open("/abs-out").kind, lookup_kind::not_found);
  EXPECT_EQ(within.open("/rel-out").kind, lookup_kind::not_found);
  EXPECT_EQ(within.open("/dir-out/secret.txt").kind, lookup_kind::not_found);
  file_resolver deny(root_, symlink_policy::deny, dotfile_policy::deny);
  EXPECT_EQ(deny.open("/in-link").kind, lookup_kind::not_found);
  EXPECT_EQ(deny.open("/abs-out").kind, lookup_kind::not_found);
}

TEST_P(FileResolverTest, FollowReachesWhereTheLinkPoints) {
  REQUIRE_LINKS();
  file_resolver follow(root_, symlink_policy::follow, dotfile_policy::deny);
  EXPECT_EQ(follow.open("/abs-out").kind, lookup_kind::file);
  EXPECT_EQ(follow.open("/in-link").kind, lookup_kind::file);
}

TEST_P(FileResolverTest, DotfilesDeniedByDefault) {
  file_resolver deny(root_, symlink_policy::within_root, dotfile_policy::deny);
  EXPECT_EQ(deny.open("/.hidden").kind, lookup_kind::not_found);
  file_resolver allow(root_, symlink_policy::within_root, dotfile_policy::allow);
  EXPECT_EQ(allow.open("/.hidden").kind, lookup_kind::file);
}

TEST_P(FileResolverTest, SymlinkInsideTheRoot) {
  REQUIRE_LINKS();
  file_resolver within(root_, symlink_policy::within_root, dotfile_policy::deny);
  EXPECT_EQ(within.open("/in-link").kind, follows_links_within_root() ? lookup_kind::file : lookup_kind::not_found);
}

// A file has one spelling. On Windows each of these would open dir/sub/file.txt (case folding,
// trimmed trailing dots and spaces, '\' as a separator) or something else than a file (an
// alternate data stream, a device): a policy written for "/dir/..." must not be bypassed that
// way, and a device must never be opened. On POSIX they name files that do not exist.
TEST_P(FileResolverTest, OneSpellingPerFile) {
  file_resolver r(root_, symlink_policy::within_root, dotfile_policy::deny);
  for (const char* path : {"/DIR/sub/file.txt", "/dir/sub/FILE.TXT", "/dir/sub/file.txt.", "/dir/sub/file.txt ",
                           "/dir./sub/file.txt", "/dir\\sub\\file.txt", "/dir/sub/file.txt::$DATA",
                           "/dir/sub/file.txt:stream", "/NUL", "/nul.txt", "/dir/con", "/COM1", "/lpt1.log",
                           "/CONOUT$", "/dir/sub/file?.txt", "/dir/sub/file*", "/dir/sub/file.txt\x01"}) {
    EXPECT_EQ(r.open(path).kind, lookup_kind::not_found) << path;
  }
}

TEST_P(FileResolverTest, DirectoriesOpenForListingOnlyWhenTheyAreDirectories) {
  file_resolver r(root_, symlink_policy::within_root, dotfile_policy::deny);
  const int dir = r.open_directory("/dir/");
  ASSERT_GE(dir, 0);
  std::vector<platform::directory_entry> entries;
  ASSERT_TRUE(platform::read_directory(dir, 100, true, entries));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "sub");
  EXPECT_TRUE(entries[0].is_directory);
  EXPECT_LT(r.open_directory("/dir/sub/file.txt"), 0);
  EXPECT_LT(r.open_directory("/.hidden"), 0);
  if (links_) {
    EXPECT_LT(r.open_directory("/dir-out"), 0);
  }
}

std::string resolution_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "fallback" : "openat2";
}

INSTANTIATE_TEST_SUITE_P(Resolution, FileResolverTest, ::testing::Values(false, true), resolution_name);

}  // namespace
}  // namespace ferry
