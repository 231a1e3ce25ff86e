// Signed URLs: signing, verification, the canonical form cross-checked against Python's hmac,
// strict query parsing, expiry boundaries, key rotation and the key file.
#include "modules/auth/signed_url.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "credential_test_support.hpp"
#include "modules/auth/credential_codec.hpp"
#include "modules/auth/credential_crypto.hpp"
#include "signed_url_vectors.hpp"

namespace ferry {
namespace {

using credential_test::temp_dir;

constexpr std::int64_t now = 1767225600;  // 2026-01-01T00:00:00Z
const std::string secret_a(32, 'A');
const std::string secret_b = "0123456789abcdef0123456789abcdef-second";

std::shared_ptr<const url_signing_key_set> keys() {
  url_signing_key_set_result result = make_url_signing_key_set({{"k1", secret_a, ""}, {"k2", secret_b, ""}});
  EXPECT_TRUE(result.errors.empty());
  return result.set;
}

credential_result verify(std::string_view path, std::string_view query, std::string_view ip = {},
                         signed_url_options options = {}, std::int64_t at = now) {
  static const auto set = keys();
  return verify_signed_url(*set, options, path, query, ip, at);
}

std::string secret_of(std::string_view b64url) {
  const auto decoded = credential::decode_base64url(b64url);
  EXPECT_TRUE(decoded);
  return decoded.value_or("");
}

TEST(SignedUrl, CanonicalFormIsDocumentedLines) {
  EXPECT_EQ(signed_url_canonical("/a/b", "1767225600", "k1", ""), "ferry-signed-url-v1\nk1\n1767225600\n\n/a/b");
  EXPECT_EQ(signed_url_canonical("/a", "5", "k", "::1"), "ferry-signed-url-v1\nk\n5\n::1\n/a");
}

TEST(SignedUrl, MatchesVectorsComputedByPython) {
  for (const auto& v : credential_test::signed_url_vectors) {
    const std::string query = sign_url(v.path, v.expires, v.kid, secret_of(v.secret_b64url), v.ip);
    EXPECT_EQ(query,
              "expires=" + std::to_string(v.expires) + "&kid=" + std::string(v.kid) + "&sig=" + std::string(v.sig))
        << v.path;
  }
}

// The same against a Python process run now, for paths with awkward bytes.
TEST(SignedUrl, MatchesPythonHmacAtTestTime) {
  if (!credential_test::executable("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  // CMake compiles with absolute source paths: the script sits next to this file.
  const std::string script = (std::filesystem::path(__FILE__).parent_path() / "signed_url_vectors.py").string();
  if (!std::filesystem::exists(script)) GTEST_SKIP() << "no " << script;
  const std::string secret_text = generate_url_signing_secret();
  const std::string secret = secret_of(secret_text);
  const std::vector<std::string> paths = {"/", "/files/a%20b.txt", "/\xe2\x82\xac/\n/\r/\t",
                                          std::string("/nul\0byte", 9), "/" + std::string(2000, 'x')};
  for (const std::string& path : paths) {
    for (const std::string ip : {"", "203.0.113.9", "2001:db8::42"}) {
      const std::string query = sign_url(path, 2000000000, "rot-7", secret, ip);
      ASSERT_FALSE(query.empty());
      const auto python =
          credential_test::run("/usr/bin/python3 " + script + " sign " + secret_text + " rot-7 2000000000 " +
                               (ip.empty() ? "-" : ip) + " " + credential_test::hex_of(path));
      ASSERT_TRUE(python);
      EXPECT_EQ(query.substr(query.find("&sig=") + 5), *python) << credential_test::hex_of(path.substr(0, 20)) << ip;
    }
  }
}

TEST(SignedUrl, SignThenVerify) {
  const std::string query = sign_url("/downloads/report.pdf", now + 3600, "k1", secret_a);
  const credential_result result = verify("/downloads/report.pdf", query);
  ASSERT_EQ(result.verdict, credential_verdict::ok);
  ASSERT_NE(result.principal, nullptr);
  EXPECT_EQ(result.principal->id, "k1");
  EXPECT_EQ(result.subject, "k1");
  // Parameters in another order, with unsigned extras, are the same link.
  const std::string expires = "expires=" + std::to_string(now + 3600);
  const std::string sig = query.substr(query.find("sig="));
  EXPECT_EQ(verify("/downloads/report.pdf", sig + "&download=1&kid=k1&" + expires).verdict, credential_verdict::ok);
}

TEST(SignedUrl, AnythingChangedBreaksTheSignature) {
  const std::string query = sign_url("/a/report.pdf", now + 60, "k1", secret_a);
  EXPECT_EQ(verify("/a/report.pdf", query).verdict, credential_verdict::ok);
  EXPECT_EQ(verify("/a/report.pdF", query).verdict, credential_verdict::bad_secret);
  EXPECT_EQ(verify("/a/report.pdf/", query).verdict, credential_verdict::bad_secret);
  EXPECT_EQ(verify("/a/Report.pdf", query).verdict, credential_verdict::bad_secret);
  std::string later = query;
  later.replace(later.find(std::to_string(now + 60)), 10, std::to_string(now + 61));
  EXPECT_EQ(verify("/a/report.pdf", later).verdict, credential_verdict::bad_secret);
  // The same expiry and signature under the other key id.
  std::string other_kid = query;
  other_kid.replace(other_kid.find("kid=k1"), 6, "kid=k2");
  const credential_result swapped = verify("/a/report.pdf", other_kid);
  EXPECT_EQ(swapped.verdict, credential_verdict::bad_secret);
  EXPECT_EQ(swapped.subject, "k2");
  // One flipped signature character.
  std::string flipped = query;
  char& last = flipped.back();
  last = last == 'A' ? 'E' : 'A';  // keeps the unused bits zero: still well-formed base64url
  EXPECT_EQ(verify("/a/report.pdf", flipped).verdict, credential_verdict::bad_secret);
}

TEST(SignedUrl, ComparesTheSignatureInConstantTime) {
  const std::string query = sign_url("/f", now + 60, "k1", secret_a);
  for (const std::string& q : {query, sign_url("/f", now + 60, "k1", secret_b)}) {
    const std::uint64_t before = credential::equal_constant_time_calls();
    static_cast<void>(verify("/f", q));
    EXPECT_EQ(credential::equal_constant_time_calls() - before, 1U);
  }
}

TEST(SignedUrl, ExpiryBoundary) {
  const std::string query = sign_url("/f", now, "k1", secret_a);
  EXPECT_EQ(verify("/f", query, {}, {}, now - 1).verdict, credential_verdict::ok);
  const credential_result at = verify("/f", query, {}, {}, now);
  EXPECT_EQ(at.verdict, credential_verdict::expired);
  EXPECT_EQ(at.principal, nullptr);
  EXPECT_EQ(at.subject, "k1");
  EXPECT_EQ(verify("/f", query, {}, {}, now + 1).verdict, credential_verdict::expired);
  // A forged link is reported as forged, not as expired.
  std::string forged = sign_url("/f", now - 10, "k1", secret_b);
  EXPECT_EQ(verify("/f", forged).verdict, credential_verdict::bad_secret);
}

TEST(SignedUrl, MaxLifetime) {
  signed_url_options options;
  options.max_lifetime = 3600;
  EXPECT_EQ(verify("/f", sign_url("/f", now + 3600, "k1", secret_a), {}, options).verdict, credential_verdict::ok);
  EXPECT_EQ(verify("/f", sign_url("/f", now + 3601, "k1", secret_a), {}, options).verdict,
            credential_verdict::malformed);
}

TEST(SignedUrl, BoundToTheClientAddress) {
  signed_url_options bound;
  bound.bind_client_ip = true;
  const std::string query = sign_url("/f", now + 60, "k1", secret_a, "192.0.2.7");
  EXPECT_EQ(verify("/f", query, "192.0.2.7", bound).verdict, credential_verdict::ok);
  EXPECT_EQ(verify("/f", query, "192.0.2.8", bound).verdict, credential_verdict::bad_secret);
  EXPECT_EQ(verify("/f", query, "192.0.2.7", {}).verdict, credential_verdict::bad_secret);  // verifier not bound
  EXPECT_EQ(verify("/f", query, "", bound).verdict, credential_verdict::error);
  EXPECT_EQ(verify("/f", query, "not an ip", bound).verdict, credential_verdict::error);
  const std::string unbound = sign_url("/f", now + 60, "k1", secret_a);
  EXPECT_EQ(verify("/f", unbound, "192.0.2.7", bound).verdict, credential_verdict::bad_secret);
  const std::string zoned = sign_url("/f", now + 60, "k1", secret_a, "fe80::1%eth0");
  EXPECT_EQ(verify("/f", zoned, "fe80::1%eth0", bound).verdict, credential_verdict::ok);
}

TEST(SignedUrl, KeyRotationAndUnknownKids) {
  EXPECT_EQ(verify("/f", sign_url("/f", now + 60, "k1", secret_a)).verdict, credential_verdict::ok);
  EXPECT_EQ(verify("/f", sign_url("/f", now + 60, "k2", secret_b)).verdict, credential_verdict::ok);
  const credential_result unknown = verify("/f", sign_url("/f", now + 60, "k3", secret_a));
  EXPECT_EQ(unknown.verdict, credential_verdict::unknown);
  EXPECT_TRUE(unknown.subject.empty());
}

TEST(SignedUrl, MissingWhenNoSignatureParameters) {
  EXPECT_EQ(verify("/f", "").verdict, credential_verdict::missing);
  EXPECT_EQ(verify("/f", "page=2&sort=name").verdict, credential_verdict::missing);
  EXPECT_EQ(verify("/f", "flag").verdict, credential_verdict::missing);
}

TEST(SignedUrl, RefusesHostileQueries) {
  const std::string good = sign_url("/f", now + 60, "k1", secret_a);
  const std::string sig = good.substr(good.find("sig=") + 4);
  const std::string e = "expires=" + std::to_string(now + 60);
  const std::vector<std::string> cases = {
      "expires=1&kid=k1",    // incomplete
      "sig=" + sig,          // incomplete
      good + "&sig=" + sig,  // repeated sig
      good + "&kid=k1",      // repeated kid
      good + "&x=1&x=2",     // any repeated parameter
      good + "&",            // empty parameter
      "&" + good,
      e + "&&kid=k1&sig=" + sig,
      "expires&kid=k1&sig=" + sig,  // no value
      "expires=&kid=k1&sig=" + sig,
      "expires=0" + std::to_string(now + 60) + "&kid=k1&sig=" + sig,  // leading zero
      "expires=-5&kid=k1&sig=" + sig,
      "expires=1e9&kid=k1&sig=" + sig,
      "expires=9999999999999&kid=k1&sig=" + sig,  // 13 digits
      e + "&kid=k%31&sig=" + sig,                 // encoded kid
      e + "&kid=&sig=" + sig,
      e + "&kid=" + std::string(65, 'k') + "&sig=" + sig,
      e + "&kid=k1&sig=" + sig + "=",                // padding
      e + "&kid=k1&sig=" + sig.substr(1),            // too short
      e + "&kid=k1&sig=" + sig + "A",                // too long
      e + "&kid=k1&sig=" + std::string(43, '+'),     // base64 standard alphabet
      e + "&kid=k1&sig=" + sig.substr(0, 42) + "B",  // non-canonical final character
      e + "&kid=k1&sig=" + std::string(sig.data(), 20) + std::string("\0", 1) + sig.substr(21),
      good + "&pad=" + std::string(max_signed_url_query_length, 'x'),  // too long
  };
  for (const std::string& query : cases) {
    const credential_result result = verify("/f", query);
    EXPECT_EQ(result.verdict, credential_verdict::malformed) << credential_test::hex_of(query.substr(0, 80));
    EXPECT_EQ(result.principal, nullptr);
  }
  std::string many = good;
  for (int i = 0; i < 70; ++i) many += "&p" + std::to_string(i) + "=1";
  EXPECT_EQ(verify("/f", many).verdict, credential_verdict::malformed);
  std::string sixty_four = good;
  for (int i = 0; i < 61; ++i) sixty_four += "&p" + std::to_string(i) + "=1";
  EXPECT_EQ(verify("/f", sixty_four).verdict, credential_verdict::ok);
}

TEST(SignedUrl, SignRefusesBadInput) {
  EXPECT_EQ(sign_url("/f", now, "k1", std::string(31, 's')), "");
  EXPECT_EQ(sign_url("/f", now, "bad kid", secret_a), "");
  EXPECT_EQ(sign_url("/f", now, "", secret_a), "");
  EXPECT_EQ(sign_url("/f", -1, "k1", secret_a), "");
  EXPECT_EQ(sign_url("/f", 1000000000000, "k1", secret_a), "");  // 13 digits
  EXPECT_EQ(sign_url("/f", now, "k1", secret_a, "1.2.3.4; rm"), "");
  EXPECT_NE(sign_url("/f", 999999999999, "k1", secret_a), "");
}

TEST(SignedUrl, KeySetValidation) {
  const url_signing_key_set_result bad = make_url_signing_key_set({{"ok", secret_a, "a:1"},
                                                                   {"ok", secret_b, "a:2"},
                                                                   {"short", std::string(31, 's'), "a:3"},
                                                                   {"bad id", secret_a, "a:4"}});
  EXPECT_EQ(bad.set, nullptr);
  ASSERT_EQ(bad.errors.size(), 3U);
  EXPECT_EQ(bad.errors[0].rfind("a:2: ", 0), 0U);
  EXPECT_EQ(bad.errors[1].rfind("a:3: ", 0), 0U);
  EXPECT_EQ(bad.errors[2].rfind("a:4: ", 0), 0U);
  for (const std::string& error : bad.errors) EXPECT_EQ(error.find(secret_a), std::string::npos);
}

TEST(SignedUrl, SecretsAreBase64Url) {
  const std::string generated = generate_url_signing_secret();
  EXPECT_EQ(generated.size(), 43U);
  ASSERT_TRUE(decode_url_signing_secret(generated));
  EXPECT_EQ(decode_url_signing_secret(generated)->size(), 32U);
  EXPECT_FALSE(decode_url_signing_secret(generated.substr(0, 42)));  // 31 bytes
  EXPECT_FALSE(decode_url_signing_secret(generated + "="));
  EXPECT_FALSE(decode_url_signing_secret("not base64!"));
}

TEST(SignedUrl, KeyFileLoadsAndReloads) {
  temp_dir dir;
  const std::string s1 = generate_url_signing_secret();
  const std::string s2 = generate_url_signing_secret();
  const std::string path = dir.write("signing", "# rotation\nold " + s1 + "\n\n  new\t" + s2 + "  \r\n");
  const url_signing_key_file_load first = load_url_signing_key_file(path);
  ASSERT_TRUE(first.set) << first.errors.front();
  EXPECT_EQ(first.set->size(), 2U);
  EXPECT_EQ(first.stamp, credential::stamp_file(path));
  const credential_result ok =
      verify_signed_url(*first.set, {}, "/f", sign_url("/f", now + 5, "new", secret_of(s2)), "", now);
  EXPECT_EQ(ok.verdict, credential_verdict::ok);

  dir.write("signing", "old " + s1 + "\nnew\n" + "short " + s1.substr(0, 40) + "\nx " + s1 + " extra\n");
  const url_signing_key_file_load broken = load_url_signing_key_file(path);
  EXPECT_EQ(broken.set, nullptr);
  ASSERT_EQ(broken.errors.size(), 3U);
  EXPECT_EQ(broken.errors[0].rfind(path + ":2: ", 0), 0U) << broken.errors[0];
  EXPECT_EQ(broken.errors[1].rfind(path + ":3: ", 0), 0U) << broken.errors[1];
  EXPECT_EQ(broken.errors[2].rfind(path + ":4: ", 0), 0U) << broken.errors[2];
  for (const std::string& error : broken.errors) EXPECT_EQ(error.find(s1.substr(0, 20)), std::string::npos) << error;

  // Keys from the config join the file's; an id in both is an error.
  dir.write("signing", "new " + s2 + "\n");
  const std::vector<url_signing_key> config = {{"cfg", secret_a, "ferry.toml:3"}};
  const url_signing_key_file_load merged = load_url_signing_key_file(path, config);
  ASSERT_TRUE(merged.set);
  EXPECT_NE(merged.set->find("cfg"), nullptr);
  EXPECT_NE(merged.set->find("new"), nullptr);
  const std::vector<url_signing_key> clash = {{"new", secret_a, "ferry.toml:3"}};
  EXPECT_EQ(load_url_signing_key_file(path, clash).set, nullptr);
}

}  // namespace
}  // namespace ferry
