// The reload summary: which top-level keys of the TOML document changed, were added or removed;
// formatting and key order inside the file are no change.
#include <gtest/gtest.h>

#include <string>

#include <toml++/toml.h>

#include "config/config_changes.hpp"

namespace ferry {
namespace {

config_digests digests(const std::string& text) { return digest_config_sections(toml::parse(text)); }

TEST(ConfigChanges, SameContentDifferentLayoutIsNoChange) {
  const auto before = digests("root = \"/srv\"\n[limits]\nmax_uri_length = 100\nmax_ranges = 4\n");
  const auto after = digests("[limits]\nmax_ranges   = 4\n  max_uri_length = 100 # same\n\n[ignored]\n");
  EXPECT_EQ(describe_config_changes(before, digests("root='/srv'\nlimits.max_ranges=4\nlimits.max_uri_length=100\n")),
            "no changes");
  EXPECT_EQ(describe_config_changes(before, after), "added: ignored; removed: root");
}

TEST(ConfigChanges, NamesChangedAddedAndRemovedKeys) {
  const auto before = digests("root = \"/a\"\nworkers = 2\n[tls]\nhsts = \"x\"\n[auth]\nrealm = \"r\"\n[health]\n");
  const auto after = digests("root = \"/b\"\nworkers = 2\n[tls]\nhsts = \"y\"\n[auth]\nrealm = \"r\"\n[metrics]\n");
  EXPECT_EQ(describe_config_changes(before, after), "changed: root, tls; added: metrics; removed: health");
  EXPECT_EQ(describe_config_changes({}, {}), "no changes");
  EXPECT_EQ(describe_config_changes({}, digests("a = 1\nb = 2\n")), "added: a, b");
}

TEST(ConfigChanges, NestedValueChangesNameTheirTopLevelTable) {
  const auto before = digests("[[auth.rules]]\npath = \"/a\"\naction = \"allow\"\n");
  const auto after = digests("[[auth.rules]]\npath = \"/a\"\naction = \"deny\"\n");
  EXPECT_EQ(describe_config_changes(before, after), "changed: auth");
  // A type change with the same printed digits is a change too.
  EXPECT_EQ(describe_config_changes(digests("x = 1\n"), digests("x = 1.0\n")), "changed: x");
}

}  // namespace
}  // namespace ferry
