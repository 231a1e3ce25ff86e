#include "policy/path_glob.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {
namespace {

bool glob(std::string pattern, std::string_view path) { return path_glob(std::move(pattern)).matches(path); }

TEST(PathGlob, LiteralPatternMatchesOnlyItself) {
  EXPECT_TRUE(glob("/index.html", "/index.html"));
  EXPECT_FALSE(glob("/index.html", "/index.htm"));
  EXPECT_FALSE(glob("/index.html", "/index.html/"));
  EXPECT_FALSE(glob("/index.html", "/Index.html"));
  EXPECT_FALSE(glob("/index.html", ""));
}

TEST(PathGlob, EmptyPatternMatchesOnlyEmptyPath) {
  EXPECT_TRUE(glob("", ""));
  EXPECT_FALSE(glob("", "/"));
}

TEST(PathGlob, SingleStarStaysWithinOneSegment) {
  EXPECT_TRUE(glob("/*.js", "/app.js"));
  EXPECT_TRUE(glob("/*.js", "/.js"));
  EXPECT_FALSE(glob("/*.js", "/lib/app.js"));
  EXPECT_TRUE(glob("/lib/*", "/lib/"));
  EXPECT_TRUE(glob("/lib/*", "/lib/x"));
  EXPECT_FALSE(glob("/lib/*", "/lib/x/y"));
  EXPECT_TRUE(glob("/a*b*c", "/abc"));
  EXPECT_TRUE(glob("/a*b*c", "/axxbyyc"));
  EXPECT_FALSE(glob("/a*b*c", "/axx/bc"));
}

TEST(PathGlob, StarAloneNeverMatchesAPathWithSlash) {
  EXPECT_TRUE(glob("*.js", "app.js"));
  EXPECT_FALSE(glob("*.js", "/app.js"));
}

TEST(PathGlob, DoubleStarCrossesSegments) {
  EXPECT_TRUE(glob("/assets/**", "/assets/a/b.js"));
  EXPECT_TRUE(glob("/assets/**", "/assets/"));
  EXPECT_TRUE(glob("/assets/**", "/assets/x"));
  EXPECT_FALSE(glob("/assets/**", "/assets"));
  EXPECT_FALSE(glob("/assets/**", "/assetsx/a"));
  EXPECT_FALSE(glob("/assets/**", "/other/assets/a"));
  EXPECT_TRUE(glob("/**", "/"));
  EXPECT_TRUE(glob("/**", "/any/thing/at/all"));
  EXPECT_TRUE(glob("/**.map", "/a/b/c.js.map"));
  EXPECT_FALSE(glob("/**.map", "/a/b/c.js"));
}

TEST(PathGlob, SlashDoubleStarSlashAlsoMatchesOneSlash) {
  EXPECT_TRUE(glob("/**/*.js", "/app.js"));
  EXPECT_TRUE(glob("/**/*.js", "/a/b/app.js"));
  EXPECT_FALSE(glob("/**/*.js", "/a/b/app.css"));
  EXPECT_TRUE(glob("/a/**/b", "/a/b"));
  EXPECT_TRUE(glob("/a/**/b", "/a/x/y/b"));
  EXPECT_FALSE(glob("/a/**/b", "/ab"));
  EXPECT_FALSE(glob("/a/**/b", "/a/xb"));
  EXPECT_TRUE(glob("/a/**/**/b", "/a/b"));
}

TEST(PathGlob, ThreeOrMoreStarsMeanTwo) {
  EXPECT_TRUE(glob("/a/***", "/a/b/c"));
  EXPECT_TRUE(glob("/a/*****/c", "/a/c"));
}

TEST(PathGlob, QuestionMarkIsOneNonSlashCharacter) {
  EXPECT_TRUE(glob("/v?/x", "/v1/x"));
  EXPECT_FALSE(glob("/v?/x", "/v/x"));
  EXPECT_FALSE(glob("/v?/x", "/v12/x"));
  EXPECT_FALSE(glob("/a?b", "/a/b"));
}

TEST(PathGlob, OtherBytesAreLiteral) {
  EXPECT_TRUE(glob("/a[b].js", "/a[b].js"));
  EXPECT_FALSE(glob("/a[b].js", "/ab.js"));
  EXPECT_TRUE(glob("/\xff*", std::string_view("/\xff\x00z", 4)));
  EXPECT_FALSE(glob("/a", std::string_view("/a\0", 3)));
}

TEST(PathGlob, KeepsPattern) { EXPECT_EQ(path_glob("/x/**").pattern(), "/x/**"); }

// A long hostile path against patterns that make naive backtracking exponential or quadratic.
// The NFA simulation is O(path × pattern), so this finishes in well under a millisecond each.
TEST(PathGlob, LongHostilePathsAnswerCorrectly) {
  const std::string many_a = "/" + std::string(64 * 1024, 'a');
  EXPECT_FALSE(glob("/**a**a**a**b", many_a));
  EXPECT_TRUE(glob("/**a**a**a**b", many_a + "b"));
  EXPECT_FALSE(glob("/*a*a*a*a*a*a*b", many_a));
  EXPECT_TRUE(glob("/*a*a*a*a*a*a*b", many_a + "b"));
  EXPECT_FALSE(glob("/*a*a*a*b", many_a + "/b"));

  std::string slashes;
  for (int i = 0; i < 20000; ++i) slashes += "/a";
  EXPECT_FALSE(glob("/**/a/**/a/**/b", slashes));
  EXPECT_TRUE(glob("/**/a/**/a/**/b", slashes + "/b"));
}

TEST(PathGlob, LongPatternsWork) {
  // More tokens than fit in the inline state words.
  std::string pattern = "/";
  std::string path = "/";
  for (int i = 0; i < 400; ++i) {
    pattern += "*x";
    path += "yx";
  }
  EXPECT_TRUE(glob(pattern, path));
  EXPECT_FALSE(glob(pattern, path + "/"));
  EXPECT_TRUE(glob(pattern + "**", path + "/z/z"));
}

// An independent backtracking matcher, exponential but fine for short inputs.
bool reference(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p.substr(0, 4) == "/**/") {
    if (reference(p.substr(3), s)) return true;
    return !s.empty() && s[0] == '/' && reference(p.substr(1), s.substr(1));
  }
  if (p.substr(0, 2) == "**") {
    std::size_t run = 0;
    while (run < p.size() && p[run] == '*') ++run;
    for (std::size_t k = 0; k <= s.size(); ++k) {
      if (reference(p.substr(run), s.substr(k))) return true;
    }
    return false;
  }
  if (p[0] == '*') {
    for (std::size_t k = 0; k <= s.size(); ++k) {
      if (reference(p.substr(1), s.substr(k))) return true;
      if (k < s.size() && s[k] == '/') break;
    }
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return s[0] != '/' && reference(p.substr(1), s.substr(1));
  return p[0] == s[0] && reference(p.substr(1), s.substr(1));
}

// "***" means "**"; the reference only understands runs of one or two.
std::string collapse_stars(const std::string& p) {
  std::string out;
  for (const char c : p) {
    if (c == '*' && out.size() >= 2 && out[out.size() - 1] == '*' && out[out.size() - 2] == '*') continue;
    out += c;
  }
  return out;
}

TEST(PathGlob, AgreesWithBacktrackingReferenceOnRandomInputs) {
  std::mt19937 rng(12345);
  const std::vector<std::string> pattern_units{"/", "a", "b", "*", "?", "**", "/**/"};
  const std::string path_chars = "/ab";
  int matched = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string pattern;
    std::string path;
    const auto plen = rng() % 7;
    const auto slen = rng() % 11;
    for (unsigned i = 0; i < plen; ++i) pattern += pattern_units[rng() % pattern_units.size()];
    for (unsigned i = 0; i < slen; ++i) path += path_chars[rng() % path_chars.size()];
    const bool expected = reference(collapse_stars(pattern), path);
    matched += expected ? 1 : 0;
    ASSERT_EQ(path_glob(pattern).matches(path), expected) << "pattern=" << pattern << " path=" << path;
  }
  EXPECT_GT(matched, 100);  // the generator produces both outcomes
}

}  // namespace
}  // namespace ferry
