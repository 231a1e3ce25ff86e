// `ferry sign-url` and sign_url_path: every link they print is fed back through what the
// server does with a request target (split at '?', normalize_path, verify_signed_url), so the
// tests prove the link is accepted, not merely that it looks as expected.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "credential_test_support.hpp"
#include "files/path_normalize.hpp"
#include "modules/auth/auth_commands.hpp"
#include "modules/auth/signed_url.hpp"

namespace ferry {
namespace {

using credential_test::temp_dir;

constexpr std::int64_t now = 1767225600;  // 2026-01-01T00:00:00Z
const std::string secret(32, 'S');
// Base64url secrets as a key file holds them (32 and 35 bytes).
constexpr std::string_view key_file_text =
    "# signing keys\n"
    "k1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"
    "rot.2 c2Vjb25kIGtleSwgdGhpcnR5LXRocmVlIGJ5dGVzIGxvbmc\n";

// What the server does with "<raw path>?<query>" from the client at `ip`.
credential_result serve(const url_signing_key_set& keys, std::string_view link, std::string_view ip = {},
                        bool bind_client_ip = false, std::int64_t at = now) {
  const std::size_t question = link.find('?');
  if (question == std::string_view::npos) return {};
  std::string path;
  if (normalize_path(link.substr(0, question), path) != path_status::ok) return {};
  signed_url_options options;
  options.bind_client_ip = bind_client_ip;
  return verify_signed_url(keys, options, path, link.substr(question + 1), ip, at);
}

std::shared_ptr<const url_signing_key_set> one_key() {
  url_signing_key_set_result built = make_url_signing_key_set({{"k1", secret, ""}});
  EXPECT_TRUE(built.errors.empty());
  return built.set;
}

std::string raw_path_of(std::string_view link) { return std::string(link.substr(0, link.find('?'))); }

// --- sign_url_path ---------------------------------------------------------------------------

TEST(SignUrlPath, EncodesThePathTheServerDecodes) {
  const auto keys = one_key();
  const signed_link link = sign_url_path("/downloads/a b \xc3\xbc.txt", now + 60, "k1", secret);
  ASSERT_EQ(link.error, "");
  EXPECT_EQ(raw_path_of(link.link), "/downloads/a%20b%20%C3%BC.txt");
  EXPECT_EQ(link.link.substr(link.link.find('?') + 1), sign_url("/downloads/a b \xc3\xbc.txt", now + 60, "k1", secret));
  EXPECT_EQ(serve(*keys, link.link).verdict, credential_verdict::ok);
}

TEST(SignUrlPath, RoundTripsAwkwardPaths) {
  const auto keys = one_key();
  const std::vector<std::string> paths = {
      "/",
      "/dir/",
      "/a%20b",                       // a literal '%': the file is named "a%20b"
      "/q?x=1#frag",                  // '?' and '#' must not end the path
      "/x&y=z;p+q,(1)!$'*:@~",        // pchars stay as they are
      "/\xe2\x82\xac/\xf0\x9f\x93\xa6 \xe6\x97\xa5\xe6\x9c\xac.tar.gz",  // euro, package, CJK
      "/a..b/..c/c../...",            // dots in names are not ".." segments
      "/" + std::string(3000, 'n'),
  };
  for (const std::string& path : paths) {
    const signed_link link = sign_url_path(path, now + 60, "k1", secret);
    ASSERT_EQ(link.error, "") << path;
    std::string decoded;
    ASSERT_EQ(normalize_path(raw_path_of(link.link), decoded), path_status::ok) << link.link;
    EXPECT_EQ(decoded, path);
    EXPECT_EQ(raw_path_of(link.link).find_first_of(" ?#\x7f"), std::string::npos) << link.link;
    EXPECT_EQ(serve(*keys, link.link).verdict, credential_verdict::ok) << link.link;
    // The link names this path only.
    EXPECT_EQ(serve(*keys, "/other" + link.link).verdict, credential_verdict::bad_secret) << link.link;
  }
}

TEST(SignUrlPath, SignsTheNormalisedPath) {
  const auto keys = one_key();
  const signed_link link = sign_url_path("//a///b/./c/.", now + 60, "k1", secret);
  ASSERT_EQ(link.error, "");
  EXPECT_EQ(raw_path_of(link.link), "/a/b/c/");
  EXPECT_EQ(serve(*keys, link.link).verdict, credential_verdict::ok);
  // A client that sends the unnormalised spelling reaches the same file and the same check.
  EXPECT_EQ(serve(*keys, "//a///b/./c/." + link.link.substr(link.link.find('?'))).verdict, credential_verdict::ok);
}

TEST(SignUrlPath, BindsTheClientAddress) {
  const auto keys = one_key();
  const signed_link link = sign_url_path("/f", now + 60, "k1", secret, "2001:db8::7");
  ASSERT_EQ(link.error, "");
  EXPECT_EQ(serve(*keys, link.link, "2001:db8::7", true).verdict, credential_verdict::ok);
  EXPECT_EQ(serve(*keys, link.link, "2001:db8::8", true).verdict, credential_verdict::bad_secret);
  EXPECT_EQ(serve(*keys, link.link, "2001:db8::7", false).verdict, credential_verdict::bad_secret);
}

TEST(SignUrlPath, RefusesWhatCannotBecomeAWorkingLink) {
  struct refusal {
    std::string path;
    std::string_view kid;
    std::string_view key;
    std::int64_t expires;
    std::string_view ip;
    std::string_view error;
  };
  const std::string short_secret(31, 'S');
  const std::vector<refusal> cases = {
      {"", "k1", secret, now, "", "must start with '/'"},
      {"downloads/a", "k1", secret, now, "", "must start with '/'"},
      {"/a/../b", "k1", secret, now, "", "\"..\""},
      {"/..", "k1", secret, now, "", "\"..\""},
      {"/a/..", "k1", secret, now, "", "\"..\""},
      {"/a/../", "k1", secret, now, "", "\"..\""},
      {"/a\\b", "k1", secret, now, "", "backslash"},
      {"/a\nb", "k1", secret, now, "", "control character"},
      {"/a\x7f", "k1", secret, now, "", "control character"},
      {std::string("/a\0b", 4), "k1", secret, now, "", "NUL"},
      {"/\xc3", "k1", secret, now, "", "UTF-8"},
      {"/\xc0\xaf", "k1", secret, now, "", "UTF-8"},
      {"/\xed\xa0\x80", "k1", secret, now, "", "UTF-8"},
      {"/f", "", secret, now, "", "key id"},
      {"/f", "k/1", secret, now, "", "key id"},
      {"/f", "k1", short_secret, now, "", "shorter than 32 bytes"},
      {"/f", "k1", secret, -1, "", "expiry"},
      {"/f", "k1", secret, 1'000'000'000'000, "", "expiry"},
      {"/f", "k1", secret, now, "example.com", "client address"},
      {"/f", "k1", secret, now, "1.2.3.4 ", "client address"},
  };
  for (const refusal& c : cases) {
    const signed_link link = sign_url_path(c.path, c.expires, c.kid, c.key, c.ip);
    EXPECT_EQ(link.link, "") << credential_test::hex_of(c.path);
    EXPECT_NE(link.error.find(c.error), std::string::npos) << link.error << " / " << c.error;
  }
  EXPECT_EQ(sign_url_path("/f", 999'999'999'999, "k1", secret).error, "");
  EXPECT_EQ(sign_url_path("/f", 0, "k1", secret).error, "");
}

// --- ferry sign-url ---------------------------------------------------------------------------

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

class SignUrlCommand : public ::testing::Test {
 protected:
  void SetUp() override { keys_file_ = dir_.write("url-keys", key_file_text); }

  run_result run(std::vector<std::string> args, bool with_keys = true) const {
    if (with_keys) args.insert(args.begin(), {"--keys", keys_file_});
    std::ostringstream out;
    std::ostringstream err;
    run_result result;
    result.status = sign_url_command(args, now, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  // Runs the command and checks the server accepts its link; returns the link's query.
  std::string accepted(const std::vector<std::string>& args, std::string_view ip = {}) const {
    const run_result r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_FALSE(r.out.empty());
    if (r.out.empty()) return {};
    EXPECT_EQ(r.out.back(), '\n');
    const std::string link = r.out.substr(0, r.out.size() - 1);
    const url_signing_key_file_load load = load_url_signing_key_file(keys_file_);
    EXPECT_TRUE(load.set);
    if (!load.set) return {};
    EXPECT_EQ(serve(*load.set, link, ip, !ip.empty()).verdict, credential_verdict::ok) << link;
    return link.substr(link.find('?') + 1);
  }

  temp_dir dir_;
  std::string keys_file_;
};

std::string expires_of(std::string_view query) {
  const std::size_t at = query.find("expires=") + 8;
  return std::string(query.substr(at, query.find('&', at) - at));
}

TEST_F(SignUrlCommand, IsRegisteredWithTheModule) {
  bool found = false;
  for (const module_command& command : auth_commands()) found |= command.name == "sign-url";
  EXPECT_TRUE(found);
}

TEST_F(SignUrlCommand, PrintsALinkTheServerAccepts) {
  const run_result r = run({"--kid", "k1", "--expires-in", "10m", "/downloads/a b \xc3\xbc.txt"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("/downloads/a%20b%20%C3%BC.txt?expires=1767226200&kid=k1&sig=", 0), 0U) << r.out;
  EXPECT_EQ(accepted({"--kid", "rot.2", "--expires-in", "10m", "/downloads/a b \xc3\xbc.txt"}).rfind(
                "expires=1767226200&kid=rot.2&sig=", 0),
            0U);
}

TEST_F(SignUrlCommand, MatchesTheDocumentedTestVector) {
  // docs/security.md: /downloads/report.pdf, expires 1767225600, key k1 of the key file above.
  const run_result r = run({"--kid", "k1", "--expires", "1767225600", "/downloads/report.pdf"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "/downloads/report.pdf?expires=1767225600&kid=k1&sig=guscfpb2peHd7CfmAyDQ6w7tMUqdJPWHziJWCo28EnE\n");
  EXPECT_NE(r.err.find("already expired"), std::string::npos);  // `now` is that very second
}

TEST_F(SignUrlCommand, Durations) {
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires-in", "90s", "/f"})), "1767225690");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires-in", "10m", "/f"})), "1767226200");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires-in", "1h", "/f"})), "1767229200");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires-in", "7d", "/f"})), "1767830400");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires-in", "1500ms", "/f"})), "1767225602");  // rounded up
  EXPECT_EQ(expires_of(accepted({"--kid=k1", "--expires-in=1s", "/f"})), "1767225601");
}

TEST_F(SignUrlCommand, AbsoluteExpiry) {
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires", "2027-01-01T00:00:00Z", "/f"})), "1798761600");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires", "2027-01-01T01:00:00+01:00", "/f"})), "1798761600");
  EXPECT_EQ(expires_of(accepted({"--kid", "k1", "--expires", "1798761600", "/f"})), "1798761600");
}

TEST_F(SignUrlCommand, ClientAddressInTheServersForm) {
  accepted({"--kid", "k1", "--expires-in", "1h", "--client-ip", "2001:DB8:0:0::0001", "/f"}, "2001:db8::1");
  accepted({"--kid", "k1", "--expires-in", "1h", "--client-ip", "192.0.2.7", "/f"}, "192.0.2.7");
  accepted({"--kid", "k1", "--expires-in", "1h", "--client-ip", "::FFFF:192.0.2.7", "/f"}, "::ffff:192.0.2.7");
  accepted({"--kid", "k1", "--expires-in", "1h", "--client-ip", "fe80::0001%eth0", "/f"}, "fe80::1%eth0");
}

TEST_F(SignUrlCommand, PastExpiryWarnsButPrints) {
  const run_result r = run({"--kid", "k1", "--expires", "1000", "/f"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("warning: the link has already expired"), std::string::npos);
  EXPECT_EQ(r.out.rfind("/f?expires=1000&kid=k1&sig=", 0), 0U);
}

TEST_F(SignUrlCommand, Help) {
  const run_result r = run({"--help"}, false);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: ferry sign-url"), std::string::npos);
}

TEST_F(SignUrlCommand, CommandLineErrorsExitTwo) {
  struct bad {
    std::vector<std::string> args;
    std::string_view message;
  };
  const std::vector<bad> cases = {
      {{}, "--kid KID is required"},
      {{"--kid", "k1", "/f"}, "one of --expires-in or --expires"},
      {{"--kid", "k1", "--expires-in", "1h", "--expires", "1798761600", "/f"}, "one of --expires-in or --expires"},
      {{"--kid", "k1", "--expires-in", "1h"}, "PATH is required"},
      {{"--kid", "k1", "--expires-in", "1h", "/f", "/g"}, "more than one PATH"},
      {{"--kid", "k1", "--kid", "k1", "--expires-in", "1h", "/f"}, "--kid given twice"},
      {{"--kid", "k1", "--expires-in"}, "--expires-in needs a value"},
      {{"--kid", "k1", "--expires-in", "1h", "--ttl", "1h", "/f"}, "unknown option"},
      {{"--kid", "k1", "--expires-in", "1h", "-f"}, "unknown option"},
      {{"--kid", "nope", "--expires-in", "1h", "/f"}, "no key \"nope\""},
      {{"--kid", "k1", "--expires-in", "10", "/f"}, "--expires-in \"10\""},
      {{"--kid", "k1", "--expires-in", "10x", "/f"}, "--expires-in \"10x\""},
      {{"--kid", "k1", "--expires-in", "0s", "/f"}, "more than 0s"},
      {{"--kid", "k1", "--expires-in", "-1h", "/f"}, "--expires-in \"-1h\""},
      {{"--kid", "k1", "--expires-in", "d", "/f"}, "--expires-in \"d\""},
      {{"--kid", "k1", "--expires-in", "99999999999999999999h", "/f"}, "too large"},
      {{"--kid", "k1", "--expires-in", "1000000000000d", "/f"}, "too large"},
      {{"--kid", "k1", "--expires-in", "999999999999s", "/f"}, "expiry"},
      {{"--kid", "k1", "--expires", "tomorrow", "/f"}, "--expires \"tomorrow\""},
      {{"--kid", "k1", "--expires", "1900-01-01T00:00:00Z", "/f"}, "expiry"},
      {{"--kid", "k1", "--expires-in", "1h", "--client-ip", "localhost", "/f"}, "--client-ip"},
      {{"--kid", "k1", "--expires-in", "1h", "--client-ip", "1.2.3.4%eth0", "/f"}, "--client-ip"},
      {{"--kid", "k1", "--expires-in", "1h", "downloads/f"}, "must start with '/'"},
      {{"--kid", "k1", "--expires-in", "1h", "/downloads/../etc/passwd"}, "\"..\" segments"},
  };
  for (const bad& c : cases) {
    const run_result r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.message;
    EXPECT_EQ(r.out, "") << c.message;
    EXPECT_EQ(r.err.rfind("ferry sign-url: ", 0), 0U) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err << " / " << c.message;
  }
  const run_result no_keys = run({"--kid", "k1", "--expires-in", "1h", "/f"}, false);
  EXPECT_EQ(no_keys.status, 2);
  EXPECT_NE(no_keys.err.find("--keys FILE is required"), std::string::npos);
}

TEST_F(SignUrlCommand, UnusableKeyFileExitsOne) {
  const run_result missing = run({"--keys", dir_.file("absent"), "--kid", "k1", "--expires-in", "1h", "/f"}, false);
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("absent"), std::string::npos);
  // One bad line spoils the file, as it does for the server; the message shows no secret.
  const std::string broken = dir_.write("broken", std::string(key_file_text) + "k3 dG9vIHNob3J0\n");
  const run_result bad = run({"--keys", broken, "--kid", "k1", "--expires-in", "1h", "/f"}, false);
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find(":4:"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("dG9vIHNob3J0"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("AAECAwQF"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace ferry
