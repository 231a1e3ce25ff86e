#include "files/file_resolver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ferry {
namespace {

namespace fs = std::filesystem;

// The same containment promises with openat2 (this kernel) and with the portable fallback.
class FileResolverTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    file_resolver::use_fallback_for_testing(GetParam());
    char tmpl[] = "/tmp/ferry-resolver-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    root_ = base_ + "/root";
    fs::create_directories(root_ + "/dir/sub");
    std::ofstream(root_ + "/dir/sub/file.txt") << "inside";
    std::ofstream(root_ + "/.hidden") << "dot";
    std::ofstream(base_ + "/secret.txt") << "outside";
    fs::create_symlink(base_ + "/secret.txt", root_ + "/abs-out");
    fs::create_symlink("../secret.txt", root_ + "/rel-out");
    fs::create_symlink("dir/sub/file.txt", root_ + "/in-link");
    fs::create_symlink(base_, root_ + "/dir-out");
  }
  void TearDown() override {
    file_resolver::use_fallback_for_testing(false);
    fs::remove_all(base_);
  }
  std::string base_;
  std::string root_;
};

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
  file_resolver within(root_, symlink_policy::within_root, dotfile_policy::deny);
  EXPECT_EQ(within.open("/abs-out").kind, lookup_kind::not_found);
  EXPECT_EQ(within.open("/rel-out").kind, lookup_kind::not_found);
  EXPECT_EQ(within.open("/dir-out/secret.txt").kind, lookup_kind::not_found);
  file_resolver deny(root_, symlink_policy::deny, dotfile_policy::deny);
  EXPECT_EQ(deny.open("/in-link").kind, lookup_kind::not_found);
  EXPECT_EQ(deny.open("/abs-out").kind, lookup_kind::not_found);
}

TEST_P(FileResolverTest, DotfilesDeniedByDefault) {
  file_resolver deny(root_, symlink_policy::within_root, dotfile_policy::deny);
  EXPECT_EQ(deny.open("/.hidden").kind, lookup_kind::not_found);
  file_resolver allow(root_, symlink_policy::within_root, dotfile_policy::allow);
  EXPECT_EQ(allow.open("/.hidden").kind, lookup_kind::file);
}

TEST_P(FileResolverTest, SymlinkInsideTheRoot) {
  file_resolver within(root_, symlink_policy::within_root, dotfile_policy::deny);
  // openat2 follows a symlink that stays beneath the root; the fallback refuses every symlink
  // (documented: stricter, never looser).
  EXPECT_EQ(within.open("/in-link").kind, GetParam() ? lookup_kind::not_found : lookup_kind::file);
}

std::string resolution_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "fallback" : "openat2";
}

INSTANTIATE_TEST_SUITE_P(Resolution, FileResolverTest, ::testing::Values(false, true), resolution_name);

}  // namespace
}  // namespace ferry
