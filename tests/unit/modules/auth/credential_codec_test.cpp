// The building blocks of the credential checks: strict base64/base64url/hex, expiry times,
// bounded file reading with change stamps, constant-time comparison.
#include "modules/auth/credential_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "credential_test_support.hpp"
#include "modules/auth/credential_crypto.hpp"
#include "modules/auth/credential_file.hpp"
#include "modules/auth/credential_result.hpp"
#include "modules/auth/credential_time.hpp"
#include "modules/auth/credential_token.hpp"

namespace ferry {
namespace {

using credential::decode_base64;
using credential::decode_base64url;
using credential::parse_expiry;

std::span<const unsigned char> bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

TEST(CredentialCodec, Base64RoundTripsRfc4648Vectors) {
  // RFC 4648 §10.
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYg=="), "foob");
  EXPECT_EQ(decode_base64("Zm9vYmE="), "fooba");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decode_base64("+/+/"), "\xfb\xff\xbf");
}

TEST(CredentialCodec, Base64RefusesSloppyInput) {
  EXPECT_FALSE(decode_base64("Zg"));     // padding required
  EXPECT_FALSE(decode_base64("Zg="));    // length not a multiple of 4
  EXPECT_FALSE(decode_base64("Zh=="));   // unused bits set: not canonical
  EXPECT_FALSE(decode_base64("Zm9=v"));  // '=' in the middle
  EXPECT_FALSE(decode_base64("Z==="));   // three '='
  EXPECT_FALSE(decode_base64("===="));
  EXPECT_FALSE(decode_base64("Zm9v YmFy"));
  EXPECT_FALSE(decode_base64("Zm9v\nYmFy"));
  EXPECT_FALSE(decode_base64("-_-_"));  // base64url alphabet is not base64
  EXPECT_FALSE(decode_base64(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(decode_base64("Zm9v\xff\xff\xff\xff"));
}

TEST(CredentialCodec, Base64UrlIsUnpaddedAndCanonical) {
  const std::string all("\xfb\xff\xbf\x00\x01", 5);
  const std::string encoded = credential::encode_base64url(bytes(all));
  EXPECT_EQ(encoded, "-_-_AAE");
  EXPECT_EQ(decode_base64url(encoded), all);
  EXPECT_FALSE(decode_base64url("-_-_AAE="));  // no padding
  EXPECT_FALSE(decode_base64url("-_-_AAF"));   // non-zero unused bits
  EXPECT_FALSE(decode_base64url("+/+/"));
  EXPECT_FALSE(decode_base64url("A"));  // a lone character carries no byte
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string data(n, static_cast<char>(0xa5 + n));
    EXPECT_EQ(decode_base64url(credential::encode_base64url(bytes(data))), data) << n;
  }
}

TEST(CredentialCodec, HexIsLowerCaseExactLength) {
  std::array<unsigned char, 2> out{};
  EXPECT_TRUE(credential::decode_hex("0aff", out));
  EXPECT_EQ(out[0], 0x0a);
  EXPECT_EQ(out[1], 0xff);
  EXPECT_FALSE(credential::decode_hex("0AFF", out));
  EXPECT_FALSE(credential::decode_hex("0aff0", out));
  EXPECT_FALSE(credential::decode_hex("0af", out));
  EXPECT_FALSE(credential::decode_hex("0ag0", out));
  EXPECT_EQ(credential::encode_hex(out), "0aff");
}

TEST(CredentialCrypto, Sha256AndHmacMatchPublishedVectors) {
  credential::sha256_digest digest{};
  ASSERT_TRUE(credential::sha256("abc", digest));
  EXPECT_EQ(credential::encode_hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  ASSERT_TRUE(credential::hmac_sha256(bytes("Jefe"), "what do ya want for nothing?", digest));
  EXPECT_EQ(credential::encode_hex(digest), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CredentialCrypto, ConstantTimeEqualityComparesLengthAndBytes) {
  EXPECT_TRUE(credential::equal_constant_time(std::string_view("abc"), std::string_view("abc")));
  EXPECT_FALSE(credential::equal_constant_time(std::string_view("abc"), std::string_view("abd")));
  EXPECT_FALSE(credential::equal_constant_time(std::string_view("abc"), std::string_view("abcd")));
  EXPECT_TRUE(credential::equal_constant_time(std::string_view(), std::string_view()));
  const std::uint64_t before = credential::equal_constant_time_calls();
  static_cast<void>(credential::equal_constant_time(std::string_view("x"), std::string_view("y")));
  EXPECT_EQ(credential::equal_constant_time_calls(), before + 1);
}

TEST(CredentialCrypto, RandomBytesDiffer) {
  std::array<unsigned char, 32> a{};
  std::array<unsigned char, 32> b{};
  ASSERT_TRUE(credential::random_bytes(a));
  ASSERT_TRUE(credential::random_bytes(b));
  EXPECT_NE(a, b);
}

TEST(CredentialTime, UnixSeconds) {
  EXPECT_EQ(parse_expiry("0"), 0);
  EXPECT_EQ(parse_expiry("1767225600"), 1767225600);
  EXPECT_EQ(parse_expiry("999999999999"), 999999999999);
  EXPECT_FALSE(parse_expiry("0123"));
  EXPECT_FALSE(parse_expiry("1000000000000"));  // 13 digits
  EXPECT_FALSE(parse_expiry("-1"));
  EXPECT_FALSE(parse_expiry("+1"));
  EXPECT_FALSE(parse_expiry(""));
  EXPECT_FALSE(parse_expiry("12 "));
}

TEST(CredentialTime, Rfc3339) {
  EXPECT_EQ(parse_expiry("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_expiry("2026-01-01T00:00:00Z"), 1767225600);
  EXPECT_EQ(parse_expiry("2026-01-01t00:00:00z"), 1767225600);
  EXPECT_EQ(parse_expiry("2026-01-01T01:00:00+01:00"), 1767225600);
  EXPECT_EQ(parse_expiry("2025-12-31T23:30:00-00:30"), 1767225600);
  EXPECT_EQ(parse_expiry("2026-01-01T00:00:00.999Z"), 1767225600);  // fraction truncated
  EXPECT_EQ(parse_expiry("2024-02-29T12:00:00Z"), 1709208000);
  EXPECT_EQ(parse_expiry("2000-02-29T00:00:00Z"), 951782400);
  EXPECT_EQ(parse_expiry("1969-12-31T23:59:59Z"), -1);
}

TEST(CredentialTime, Rfc3339RefusesImpossibleOrSloppyTimes) {
  for (const char* text :
       {"2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-12-31T23:59:60Z",
        "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00Zjunk",
        "2026-01-01", "T", "2026-01-01T00:00:00+01:00 "}) {
    EXPECT_FALSE(parse_expiry(text)) << text;
  }
}

TEST(CredentialToken, IdAndRoleCharacters) {
  EXPECT_TRUE(credential::valid_id("ci-deploy@example.com"));
  EXPECT_TRUE(credential::valid_id(std::string(128, 'a')));
  EXPECT_FALSE(credential::valid_id(std::string(129, 'a')));
  EXPECT_FALSE(credential::valid_id(""));
  EXPECT_FALSE(credential::valid_id("a b"));
  EXPECT_FALSE(credential::valid_id("a\"b"));
  EXPECT_FALSE(credential::valid_id(std::string_view("a\0b", 3)));
  EXPECT_TRUE(credential::valid_role("ns:read"));
  EXPECT_FALSE(credential::valid_role("a,b"));
  EXPECT_FALSE(credential::valid_role("a=b"));
  EXPECT_TRUE(credential::valid_url_key_id("k1.2026-01_x"));
  EXPECT_FALSE(credential::valid_url_key_id("k:1"));
  EXPECT_FALSE(credential::valid_url_key_id("k%31"));
}

TEST(CredentialFile, ReadsAndStampsAndNoticesReplacement) {
  credential_test::temp_dir dir;
  const std::string path = dir.write("keys", "one\n");
  const credential::file_text first = credential::read_credential_file(path);
  ASSERT_TRUE(first.error.empty()) << first.error;
  EXPECT_EQ(first.text, "one\n");
  EXPECT_TRUE(first.stamp.exists);
  EXPECT_EQ(credential::stamp_file(path), first.stamp);
  dir.write("keys", "two\n");
  EXPECT_NE(credential::stamp_file(path), first.stamp);
  EXPECT_FALSE(credential::stamp_file(dir.file("absent")).exists);
}

TEST(CredentialFile, RefusesMissingOversizedAndNonRegularFiles) {
  credential_test::temp_dir dir;
  const credential::file_text missing = credential::read_credential_file(dir.file("absent"));
  EXPECT_FALSE(missing.error.empty());
  const std::string path = dir.write("big", std::string(101, 'x'));
  EXPECT_FALSE(credential::read_credential_file(path, 100).error.empty());
  EXPECT_TRUE(credential::read_credential_file(path, 101).error.empty());
  EXPECT_FALSE(credential::read_credential_file(dir.file("")).error.empty());  // a directory
  EXPECT_FALSE(credential::read_credential_file("/dev/zero").error.empty());
}

TEST(CredentialFile, SplitsLinesWithNumbers) {
  std::vector<std::pair<std::size_t, std::string>> lines;
  credential::for_each_line("a\r\n\nb\nc", [&](std::size_t n, std::string_view line) {
    lines.emplace_back(n, std::string(line));
    return true;
  });
  const std::vector<std::pair<std::size_t, std::string>> expected = {{1, "a"}, {2, ""}, {3, "b"}, {4, "c"}};
  EXPECT_EQ(lines, expected);
}

TEST(CredentialResult, VerdictNames) {
  EXPECT_EQ(to_string(credential_verdict::ok), "ok");
  EXPECT_EQ(to_string(credential_verdict::bad_secret), "bad_secret");
  EXPECT_EQ(to_string(credential_verdict::expired), "expired");
  EXPECT_EQ(to_string(credential_verdict::error), "error");
}

}  // namespace
}  // namespace ferry
