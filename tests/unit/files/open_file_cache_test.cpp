#include "files/open_file_cache.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

class OpenFileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path().string();
    write("a.txt", "alpha");
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(root_ + "/" + name) << content;
  }
  test::temp_dir dir_;
  std::string root_;
};

TEST_F(OpenFileCacheTest, HitSharesTheDescriptor) {
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::hours(1));
  const auto first = cache.open(resolver, "/a.txt");
  ASSERT_EQ(first.kind, lookup_kind::file);
  EXPECT_EQ(first.file->size, 5u);
  const auto second = cache.open(resolver, "/a.txt");
  EXPECT_EQ(first.file.get(), second.file.get());
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST_F(OpenFileCacheTest, DescribesEachFileOnceAndAnswersHitsWithTheDescription) {
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  std::vector<std::string> described;
  const auto describe = [&](std::string_view path, const open_file& file) {
    described.emplace_back(path);
    return file_facts{file.size > 3 ? "text/big" : "text/small", file.size > 3};
  };
  open_file_cache trusting(16, std::chrono::hours(1), 0, describe);
  for (int i = 0; i < 3; ++i) {
    const auto entry = trusting.open(resolver, "/a.txt");
    ASSERT_EQ(entry.kind, lookup_kind::file);
    EXPECT_EQ(entry.facts.content_type, "text/big");
    EXPECT_TRUE(entry.facts.compressible);
  }
  EXPECT_EQ(trusting.open(resolver, "/missing.txt").kind, lookup_kind::not_found);
  EXPECT_EQ(described, std::vector<std::string>{"/a.txt"});  // misses of absent files describe nothing

  // Looked up afresh, the file is described afresh: a file that shrank is another case.
  open_file_cache checking(16, std::chrono::milliseconds(0), 0, describe);
  EXPECT_TRUE(checking.open(resolver, "/a.txt").facts.compressible);
  write("a.txt", "a");
  const auto again = checking.open(resolver, "/a.txt");
  EXPECT_EQ(again.facts.content_type, "text/small");
  EXPECT_FALSE(again.facts.compressible);
  EXPECT_EQ(described.size(), 3u);

  open_file_cache plain(16, std::chrono::hours(1));
  EXPECT_TRUE(plain.open(resolver, "/a.txt").facts.content_type.empty());
}

TEST_F(OpenFileCacheTest, MissesAreCachedUntilRevalidation) {
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache trusting(16, std::chrono::hours(1));
  EXPECT_EQ(trusting.open(resolver, "/b.txt").kind, lookup_kind::not_found);
  write("b.txt", "bravo");
  EXPECT_EQ(trusting.open(resolver, "/b.txt").kind, lookup_kind::not_found);  // still trusted
  trusting.clear();
  EXPECT_EQ(trusting.open(resolver, "/b.txt").kind, lookup_kind::file);

  open_file_cache checking(16, std::chrono::milliseconds(0));
  EXPECT_EQ(checking.open(resolver, "/c.txt").kind, lookup_kind::not_found);
  write("c.txt", "charlie");
  EXPECT_EQ(checking.open(resolver, "/c.txt").kind, lookup_kind::file);
}

TEST_F(OpenFileCacheTest, RevalidationNoticesAReplacedFileAndKeepsAnUnchangedOne) {
#ifdef _WIN32
  GTEST_SKIP() << "Windows refuses to rename over a file that is open (docs/operations.md, Windows)";
#endif
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::milliseconds(0));
  const auto before = cache.open(resolver, "/a.txt");
  const auto same = cache.open(resolver, "/a.txt");
  EXPECT_EQ(before.file.get(), same.file.get()) << "an unchanged file keeps its descriptor";
  write("new.txt", "a longer alpha");
  fs::rename(root_ + "/new.txt", root_ + "/a.txt");  // the usual atomic deploy
  const auto after = cache.open(resolver, "/a.txt");
  ASSERT_EQ(after.kind, lookup_kind::file);
  EXPECT_NE(before.file.get(), after.file.get());
  EXPECT_EQ(after.file->size, 14u);
  EXPECT_EQ(before.file->size, 5u) << "in-flight responses keep the old file";
}

TEST_F(OpenFileCacheTest, BoundedInEntries) {
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(4, std::chrono::hours(1));
  for (int i = 0; i < 50; ++i) {
    write("f" + std::to_string(i), "x");
    EXPECT_EQ(cache.open(resolver, "/f" + std::to_string(i)).kind, lookup_kind::file);
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_EQ(cache.stats().evictions, 46u);
}

TEST_F(OpenFileCacheTest, VariantsAreKeptWithTheFilesEntry) {
  write("a.txt.gz", "g");
  write("a.txt.zst", "z");
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::hours(1));
  const std::array<std::string_view, 3> suffixes{".br", ".zst", ".gz"};
  ASSERT_EQ(cache.open(resolver, "/a.txt").kind, lookup_kind::file);
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b110u);
  const auto looked_up = cache.stats();
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b110u);
  EXPECT_EQ(cache.stats().hits, looked_up.hits + 1) << "one lookup answers for every suffix";
  EXPECT_EQ(cache.stats().misses, looked_up.misses);
  write("a.txt.br", "b");
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b110u) << "trusted until revalidation";
  EXPECT_EQ(cache.variants(resolver, "/b.txt", suffixes), 0u) << "a path without an entry of its own";
}

// variants() takes the entry open() answered last without hashing again: never one that an
// eviction has since dropped (run under ASan in the sanitizer build).
TEST_F(OpenFileCacheTest, VariantsAfterTheLastAnsweredEntryWasEvicted) {
  write("b.txt", "bravo");
  write("a.txt.gz", "g");
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(1, std::chrono::hours(1));
  const std::array<std::string_view, 1> suffixes{".gz"};
  ASSERT_EQ(cache.open(resolver, "/a.txt").kind, lookup_kind::file);
  ASSERT_EQ(cache.open(resolver, "/b.txt").kind, lookup_kind::file);  // evicts /a.txt
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b1u);
  EXPECT_EQ(cache.variants(resolver, "/b.txt", suffixes), 0u);
  ASSERT_EQ(cache.open(resolver, "/a.txt").kind, lookup_kind::file);
  cache.clear();
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(OpenFileCacheTest, VariantsAreRevalidated) {
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::milliseconds(0));
  const std::array<std::string_view, 2> suffixes{".br", ".gz"};
  ASSERT_EQ(cache.open(resolver, "/a.txt").kind, lookup_kind::file);
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0u);
  write("a.txt.gz", "g");
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0b10u);
#ifndef _WIN32  // on Windows a removed file stays visible while the cache holds it open
  fs::remove(root_ + "/a.txt.gz");
  EXPECT_EQ(cache.variants(resolver, "/a.txt", suffixes), 0u);
#endif

  open_file_cache off(0, std::chrono::hours(1));
  write("b.txt", "bravo");
  write("b.txt.br", "b");
  EXPECT_EQ(off.variants(resolver, "/b.txt", suffixes), 0b01u);
}

TEST_F(OpenFileCacheTest, PoliciesStillApply) {
  write(".secret", "s");
  std::error_code no_links;  // Windows without the privilege to make them (and wine)
  fs::create_symlink("/etc/hostname", root_ + "/out", no_links);
  file_resolver resolver(root_, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::hours(1));
  EXPECT_EQ(cache.open(resolver, "/.secret").kind, lookup_kind::not_found);
  if (!no_links) {
    EXPECT_EQ(cache.open(resolver, "/out").kind, lookup_kind::not_found);
    EXPECT_FALSE(cache.is_file(resolver, "/out"));
  }
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(OpenFileCacheMemory, SmallFilesAreKeptInMemoryLargeOnesAreNot) {
  const test::temp_dir dir;
  const std::string root = dir.path().string();
  std::ofstream(root + "/small.txt") << std::string(100, 's');
  std::ofstream(root + "/large.txt") << std::string(5000, 'l');
  std::ofstream(root + "/empty.txt");
  file_resolver resolver(root, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(16, std::chrono::hours(1), 4096);
  const auto small = cache.open(resolver, "/small.txt");
  ASSERT_TRUE(small.file->in_memory());
  EXPECT_EQ(small.file->content, std::string(100, 's'));
  EXPECT_FALSE(cache.open(resolver, "/large.txt").file->in_memory());
  EXPECT_FALSE(cache.open(resolver, "/empty.txt").file->in_memory());
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(OpenFileCacheOff, ZeroEntriesLooksEveryPathUpOnDisk) {
  const test::temp_dir dir;
  const std::string root = dir.path().string();
  file_resolver resolver(root, symlink_policy::within_root, dotfile_policy::deny);
  open_file_cache cache(0, std::chrono::hours(1), 4096);
  EXPECT_EQ(cache.open(resolver, "/late.txt").kind, lookup_kind::not_found);
  std::ofstream(root + "/late.txt") << "here";
  EXPECT_EQ(cache.open(resolver, "/late.txt").kind, lookup_kind::file);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace ferry
