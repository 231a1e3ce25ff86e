#include "files/path_normalize.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace ferry {
namespace {

using namespace std::string_literals;

struct normalized {
  path_status status;
  std::string path;
};

normalized run(std::string_view raw) {
  std::string out = "garbage from an earlier request";
  const path_status s = normalize_path(raw, out);
  return {s, out};
}

void expect_ok(std::string_view raw, std::string_view expected) {
  const normalized n = run(raw);
  EXPECT_EQ(n.status, path_status::ok) << "raw: " << raw;
  EXPECT_EQ(n.path, expected) << "raw: " << raw;
}

void expect_status(std::string_view raw, path_status expected) {
  const normalized n = run(raw);
  EXPECT_EQ(n.status, expected) << "raw: " << raw;
  EXPECT_TRUE(n.path.empty()) << "raw: " << raw << " left: " << n.path;
}

// Paths a single scan finds already normal skip the passes; those it does not (a dot or a
// slash after a slash, an escape, a byte outside printable ASCII) take them and come out the same.
TEST(PathNormalize, TheScanForNormalPathsSendsEveryDoubtfulOneThroughThePasses) {
  expect_ok("/assets/app.js", "/assets/app.js");
  expect_ok("/a.b/c.d/", "/a.b/c.d/");
  expect_ok("/a/./b", "/a/b");
  expect_ok("/a/b/..", "/a/");
  expect_ok("/.well-known/x", "/.well-known/x");
  expect_ok("/a//b", "/a/b");
  expect_ok("/a%2Fb", "/a/b");
  expect_ok("/caf\xc3\xa9", "/caf\xc3\xa9");
  expect_status("/a\\b", path_status::backslash);
  expect_status("/a\x7f", path_status::control_char);
  expect_status("/..", path_status::escapes_root);
  expect_status("/\xff", path_status::invalid_utf8);
}

TEST(PathNormalize, PlainPathsAreUnchanged) {
  expect_ok("/", "/");
  expect_ok("/index.html", "/index.html");
  expect_ok("/a/b/c.txt", "/a/b/c.txt");
  expect_ok("/dir/", "/dir/");
  expect_ok("/a-b_c~d!$&'()*+,;=:@", "/a-b_c~d!$&'()*+,;=:@");
}

TEST(PathNormalize, RequiresAbsolutePath) {
  expect_status("", path_status::not_absolute);
  expect_status("index.html", path_status::not_absolute);
  expect_status("*", path_status::not_absolute);
  expect_status("http://example.com/", path_status::not_absolute);
  expect_status("%2findex.html", path_status::not_absolute);  // the raw form must start with '/'
  expect_status("../etc/passwd", path_status::not_absolute);
}

TEST(PathNormalize, MergesRepeatedSlashes) {
  expect_ok("//", "/");
  expect_ok("///", "/");
  expect_ok("//a", "/a");  // never protocol-relative
  expect_ok("//example.com/x", "/example.com/x");
  expect_ok("/a//b///c", "/a/b/c");
  expect_ok("/a//", "/a/");
}

TEST(PathNormalize, ResolvesDotSegments) {
  expect_ok("/.", "/");
  expect_ok("/./", "/");
  expect_ok("/./a", "/a");
  expect_ok("/a/./b", "/a/b");
  expect_ok("/a/b/..", "/a/");
  expect_ok("/a/b/../", "/a/");
  expect_ok("/a/b/../c", "/a/c");
  expect_ok("/a/..", "/");
  expect_ok("/a/../", "/");
  expect_ok("/a/b/c/../../d", "/a/d");
  expect_ok("/a/.", "/a/");
  expect_ok("/a/./", "/a/");
  expect_ok("/a/b/./../c/./d/..", "/a/c/");
  expect_ok("/a//..//b", "/b");
}

TEST(PathNormalize, OnlyExactDotsAreDotSegments) {
  expect_ok("/...", "/...");
  expect_ok("/a/.../b", "/a/.../b");
  expect_ok("/.hidden", "/.hidden");
  expect_ok("/..hidden", "/..hidden");
  expect_ok("/a/b../c", "/a/b../c");
  expect_ok("/a/..b", "/a/..b");
  expect_ok("/a/.b/..", "/a/");
}

TEST(PathNormalize, RejectsEscapingTheRoot) {
  expect_status("/..", path_status::escapes_root);
  expect_status("/../", path_status::escapes_root);
  expect_status("/../etc/passwd", path_status::escapes_root);
  expect_status("/a/../..", path_status::escapes_root);
  expect_status("/a/../../b", path_status::escapes_root);
  expect_status("/./..", path_status::escapes_root);
  expect_status("//..", path_status::escapes_root);
}

TEST(PathNormalize, DecodesPercentEscapesOnce) {
  expect_ok("/a%20b", "/a b");
  expect_ok("/%41%42%43", "/ABC");
  expect_ok("/%7e%7E", "/~~");
  expect_ok("/caf%C3%A9", "/caf\xc3\xa9");
  expect_ok("/100%25", "/100%");
  // Double-encoded dots decode to the literal "%2e%2e": a file name, not a dot-segment.
  expect_ok("/%252e%252e/x", "/%2e%2e/x");
  expect_ok("/a/%252e%252e", "/a/%2e%2e");
  expect_ok("/%25", "/%");
}

TEST(PathNormalize, EncodedDotsAndSlashesAreResolvedAfterDecoding) {
  expect_ok("/a/%2e/b", "/a/b");
  expect_ok("/a/b/%2e%2e/c", "/a/c");
  expect_ok("/a/b/%2E%2E", "/a/");
  expect_ok("/a%2fb", "/a/b");
  expect_ok("/a%2F%2Fb", "/a/b");
  expect_status("/%2e%2e", path_status::escapes_root);
  expect_status("/%2e%2e/etc/passwd", path_status::escapes_root);
  expect_status("/.%2e/", path_status::escapes_root);
  expect_status("/a%2f..%2f..", path_status::escapes_root);
  expect_status("/%2f%2e%2e", path_status::escapes_root);
}

TEST(PathNormalize, RejectsInvalidEscapes) {
  expect_status("/%", path_status::invalid_escape);
  expect_status("/a%", path_status::invalid_escape);
  expect_status("/a%4", path_status::invalid_escape);
  expect_status("/a%zz", path_status::invalid_escape);
  expect_status("/a%g0", path_status::invalid_escape);
  expect_status("/a%0g", path_status::invalid_escape);
  expect_status("/a%%41", path_status::invalid_escape);
  expect_status("/a%-1", path_status::invalid_escape);
  expect_status("/a% 1", path_status::invalid_escape);
}

TEST(PathNormalize, RejectsNulBytes) {
  expect_status("/a%00.html", path_status::nul_byte);
  expect_status("/a\0b"s, path_status::nul_byte);
  expect_status("/\0"s, path_status::nul_byte);
}

TEST(PathNormalize, RejectsControlCharacters) {
  expect_status("/a%0d%0aSet-Cookie:x", path_status::control_char);
  expect_status("/a%09b", path_status::control_char);
  expect_status("/a%1fb", path_status::control_char);
  expect_status("/a%7fb", path_status::control_char);
  expect_status("/a\nb", path_status::control_char);
  expect_status("/a\x7f", path_status::control_char);
  expect_status("/a\x01", path_status::control_char);
  expect_ok("/a%20b", "/a b");  // 0x20 is not a control character
}

TEST(PathNormalize, RejectsBackslashes) {
  expect_status("/a\\b", path_status::backslash);
  expect_status("/..\\..\\windows", path_status::backslash);
  expect_status("/a%5cb", path_status::backslash);
  expect_status("/a%5C..%5C..", path_status::backslash);
  expect_ok("/%255c", "/%5c");  // decoded once: a literal "%5c" name
}

TEST(PathNormalize, AcceptsValidUtf8) {
  expect_ok("/\xc3\xa9", "/\xc3\xa9");                  // U+00E9 raw
  expect_ok("/%c2%80", "/\xc2\x80");                    // U+0080, smallest 2-byte
  expect_ok("/%df%bf", "/\xdf\xbf");                    // U+07FF
  expect_ok("/%e0%a0%80", "/\xe0\xa0\x80");             // U+0800, smallest 3-byte
  expect_ok("/%ed%9f%bf", "/\xed\x9f\xbf");             // U+D7FF, just below surrogates
  expect_ok("/%ee%80%80", "/\xee\x80\x80");             // U+E000, just above surrogates
  expect_ok("/%ef%bf%bf", "/\xef\xbf\xbf");             // U+FFFF
  expect_ok("/%f0%90%80%80", "/\xf0\x90\x80\x80");      // U+10000, smallest 4-byte
  expect_ok("/%f4%8f%bf%bf", "/\xf4\x8f\xbf\xbf");      // U+10FFFF, the largest
  expect_ok("/%e6%97%a5%e6%9c%ac", "/\xe6\x97\xa5\xe6\x9c\xac");
  expect_ok("/%f0%9f%98%80.png", "/\xf0\x9f\x98\x80.png");
}

TEST(PathNormalize, RejectsOverlongUtf8) {
  expect_status("/%c0%ae%c0%ae/etc/passwd", path_status::invalid_utf8);  // overlong "."
  expect_status("/%c0%af", path_status::invalid_utf8);                   // overlong "/"
  expect_status("/%c1%9c", path_status::invalid_utf8);                   // overlong "\"
  expect_status("/%c0%80", path_status::invalid_utf8);                   // overlong NUL
  expect_status("/%e0%80%af", path_status::invalid_utf8);
  expect_status("/%e0%9f%bf", path_status::invalid_utf8);
  expect_status("/%f0%80%80%af", path_status::invalid_utf8);
  expect_status("/%f0%8f%bf%bf", path_status::invalid_utf8);
  expect_status("/a/..%c0%af..%c0%afetc", path_status::invalid_utf8);
  expect_status("/\xc0\xae", path_status::invalid_utf8);  // raw, not escaped
}

TEST(PathNormalize, RejectsSurrogatesAndOutOfRange) {
  expect_status("/%ed%a0%80", path_status::invalid_utf8);           // U+D800
  expect_status("/%ed%bf%bf", path_status::invalid_utf8);           // U+DFFF
  expect_status("/%ed%a0%bd%ed%b8%80", path_status::invalid_utf8);  // CESU-8 pair
  expect_status("/%f4%90%80%80", path_status::invalid_utf8);        // U+110000
  expect_status("/%f5%80%80%80", path_status::invalid_utf8);
  expect_status("/%f8%88%80%80%80", path_status::invalid_utf8);  // 5-byte form
  expect_status("/%fe", path_status::invalid_utf8);
  expect_status("/%ff", path_status::invalid_utf8);
}

TEST(PathNormalize, RejectsTruncatedAndStrayUtf8) {
  expect_status("/%c3", path_status::invalid_utf8);
  expect_status("/%c3/", path_status::invalid_utf8);
  expect_status("/%e6%97", path_status::invalid_utf8);
  expect_status("/%f0%9f%98", path_status::invalid_utf8);
  expect_status("/%f0%9f%98a", path_status::invalid_utf8);
  expect_status("/%80", path_status::invalid_utf8);
  expect_status("/a%bfb", path_status::invalid_utf8);
  expect_status("/%c3%a9%a9", path_status::invalid_utf8);
  expect_status("/\xe6\x97", path_status::invalid_utf8);
}

TEST(PathNormalize, DecodingFaultsWinOverLaterStages) {
  expect_status("/../%zz", path_status::invalid_escape);
  expect_status("/../%c0%af", path_status::invalid_utf8);
  expect_status("/%c0%af%00", path_status::nul_byte);
}

TEST(PathNormalize, ReusesTheOutputBuffer) {
  std::string out;
  out.reserve(256);
  const char* const before = out.data();
  ASSERT_EQ(normalize_path("/a/b/../c/%41", out), path_status::ok);
  EXPECT_EQ(out, "/a/c/A");
  EXPECT_EQ(out.data(), before);
  ASSERT_EQ(normalize_path("/x", out), path_status::ok);
  EXPECT_EQ(out, "/x");
  EXPECT_EQ(out.data(), before);
}

TEST(PathNormalize, OutputNeverExceedsInputPlusOne) {
  // Long enough that the small-string buffer plays no part.
  const std::string dir = "/" + std::string(40, 'x');
  for (std::string_view tail :
       {"", "/", "//", "/.", "/a/.", "/a/..", "/a//", "/%41", "/a/b/../.."}) {
    const std::string raw = dir + std::string(tail);
    std::string out;
    const std::size_t small_capacity = out.capacity();
    ASSERT_EQ(normalize_path(raw, out), path_status::ok) << raw;
    EXPECT_LE(out.size(), raw.size()) << raw;
    EXPECT_LE(out.capacity(), std::max(raw.size(), small_capacity)) << raw;
  }
}

TEST(PathNormalize, IsIdempotent) {
  for (std::string_view raw : {"/a/b/../c/", "/%252e%252e", "/x//y/./z/..", "/caf%c3%a9/"}) {
    std::string once;
    ASSERT_EQ(normalize_path(raw, once), path_status::ok) << raw;
    std::string escaped;
    for (char c : once) escaped += c == '%' ? "%25"s : std::string(1, c);
    std::string twice;
    ASSERT_EQ(normalize_path(escaped, twice), path_status::ok) << raw;
    EXPECT_EQ(once, twice) << raw;
  }
}

TEST(PathNormalize, LongHostileInputsAreLinear) {
  // Quadratic pop-back or re-scanning would take seconds on these; linear takes milliseconds.
  const std::size_t n = 1 << 20;
  std::string deep;
  std::string up;
  for (std::size_t i = 0; i < n / 4; ++i) {
    deep += "/a";
    up += "/..";
  }
  const std::string slashes(n, '/');
  std::string dots = "/";
  while (dots.size() < n) dots += "%2e/";
  std::string many_escapes;
  while (many_escapes.size() < n) many_escapes += "/%41";

  const auto start = std::chrono::steady_clock::now();
  std::string out;
  EXPECT_EQ(normalize_path(deep + up, out), path_status::ok);
  EXPECT_EQ(out, "/");
  EXPECT_EQ(normalize_path(deep + up + "/..", out), path_status::escapes_root);
  EXPECT_EQ(normalize_path(slashes, out), path_status::ok);
  EXPECT_EQ(out, "/");
  EXPECT_EQ(normalize_path(dots, out), path_status::ok);
  EXPECT_EQ(out, "/");
  EXPECT_EQ(normalize_path(many_escapes, out), path_status::ok);
  EXPECT_EQ(out.size(), many_escapes.size() / 2);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace ferry
