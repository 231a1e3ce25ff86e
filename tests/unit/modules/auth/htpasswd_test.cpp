// htpasswd files: parsing, the accepted and refused hash schemes, verification with libcrypt
// against hashes made at test time and by independent tools, unknown users, reload.
#include "modules/auth/htpasswd.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "credential_test_support.hpp"
#include "htpasswd_fixture.hpp"
#include "modules/auth/credential_crypto.hpp"

namespace ferry {
namespace {

using credential_test::temp_dir;

// A hash of `password` made here with libcrypt's own salt generator.
std::string make_hash(const char* prefix, unsigned long cost, const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting) == nullptr) return {};
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, static_cast<int>(sizeof data));
  return hash == nullptr ? std::string() : std::string(hash);
}

std::shared_ptr<const htpasswd_set> parse_ok(std::string_view text) {
  htpasswd_load load = parse_htpasswd(text, "htpasswd");
  EXPECT_TRUE(load.errors.empty()) << (load.errors.empty() ? "" : load.errors.front());
  return load.set;
}

struct scheme {
  const char* name;
  const char* prefix;
  unsigned long cost;
};

constexpr scheme schemes[] = {
    {"bcrypt-2b", "$2b$", 4}, {"bcrypt-2y", "$2y$", 4},     {"bcrypt-2a", "$2a$", 4},
    {"yescrypt", "$y$", 0},   {"sha512crypt", "$6$", 1000}, {"sha256crypt", "$5$", 0},
};

TEST(Htpasswd, VerifiesEverySupportedSchemeMadeAtTestTime) {
  std::string text;
  for (const scheme& s : schemes) {
    const std::string hash = make_hash(s.prefix, s.cost, std::string(s.name) + "-pw");
    ASSERT_FALSE(hash.empty()) << s.name;
    EXPECT_EQ(htpasswd_hash_problem(hash), "") << hash;
    text += std::string(s.name) + ":" + hash + "\n";
  }
  const auto set = parse_ok(text);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->size(), std::size(schemes));
  for (const scheme& s : schemes) {
    const credential_result ok = set->check(s.name, std::string(s.name) + "-pw");
    EXPECT_EQ(ok.verdict, credential_verdict::ok) << s.name;
    ASSERT_NE(ok.principal, nullptr);
    EXPECT_EQ(ok.principal->id, s.name);
    EXPECT_TRUE(ok.principal->roles.empty());
    const credential_result wrong = set->check(s.name, std::string(s.name) + "-pW");
    EXPECT_EQ(wrong.verdict, credential_verdict::bad_secret) << s.name;
    EXPECT_EQ(wrong.principal, nullptr);
    EXPECT_EQ(wrong.subject, s.name);
    EXPECT_EQ(set->check(s.name, "").verdict, credential_verdict::bad_secret);
  }
}

TEST(Htpasswd, VerifiesTheFixtureMadeByApacheHtpasswdAndOpenssl) {
  const auto set = parse_ok(credential_test::htpasswd_fixture);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->size(), 6U);
  for (const char* user : {"bcrypt-user", "sha512-user", "sha256-user", "openssl-user", "openssl5-user"}) {
    EXPECT_EQ(set->check(user, std::string(user) + "-secret").verdict, credential_verdict::ok) << user;
    EXPECT_EQ(set->check(user, std::string(user) + "-Secret").verdict, credential_verdict::bad_secret) << user;
  }
  EXPECT_EQ(set->check("utf8-user", "p\xc3\xa4ssw\xc3\xb6rd-\xe2\x82\xac").verdict, credential_verdict::ok);
  // The same text in Latin-1 is other bytes: no normalisation, no transcoding.
  EXPECT_EQ(set->check("utf8-user", "p\xe4ssw\xf6rd-\x80").verdict, credential_verdict::bad_secret);
}

TEST(Htpasswd, VerifiesAnEntryMadeByHtpasswdAtTestTime) {
  if (!credential_test::executable("/usr/bin/htpasswd")) GTEST_SKIP() << "no /usr/bin/htpasswd";
  const auto bcrypt = credential_test::run("/usr/bin/htpasswd -nbB -C 4 carol 'c4r0l pass'");
  const auto sha512 = credential_test::run("/usr/bin/htpasswd -nb5 dave 'd@ve'");
  ASSERT_TRUE(bcrypt && sha512);
  const auto set = parse_ok(*bcrypt + "\n" + *sha512 + "\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->check("carol", "c4r0l pass").verdict, credential_verdict::ok);
  EXPECT_EQ(set->check("dave", "d@ve").verdict, credential_verdict::ok);
  EXPECT_EQ(set->check("dave", "c4r0l pass").verdict, credential_verdict::bad_secret);
}

TEST(Htpasswd, VerifiesAnEntryMadeByMkpasswdWhenInstalled) {
  if (!credential_test::executable("/usr/bin/mkpasswd")) GTEST_SKIP() << "no mkpasswd (package whois)";
  const auto hash = credential_test::run("/usr/bin/mkpasswd -m yescrypt 'erin pw'");
  ASSERT_TRUE(hash);
  const auto set = parse_ok("erin:" + *hash + "\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->check("erin", "erin pw").verdict, credential_verdict::ok);
}

TEST(Htpasswd, RefusesWeakSchemesAndPlainTextWithoutQuotingThem) {
  for (const std::string_view line : {credential_test::htpasswd_weak_apr1, credential_test::htpasswd_weak_md5,
                                      credential_test::htpasswd_weak_sha1, credential_test::htpasswd_weak_plain}) {
    const htpasswd_load load = parse_htpasswd(std::string(line) + "\n", "pw");
    EXPECT_EQ(load.set, nullptr) << line;
    ASSERT_EQ(load.errors.size(), 1U) << line;
    EXPECT_EQ(load.errors[0].rfind("pw:1: ", 0), 0U) << load.errors[0];
    const std::string_view hash = line.substr(line.find(':') + 1);
    EXPECT_EQ(load.errors[0].find(hash), std::string::npos) << load.errors[0];
    EXPECT_EQ(load.errors[0].find("secret"), std::string::npos) << load.errors[0];
  }
  EXPECT_NE(htpasswd_hash_problem("$apr1$abc$def").find("libcrypt does not implement"), std::string_view::npos);
  crypt_data data{};
  const char* des = crypt_rn("pw", "ab", &data, static_cast<int>(sizeof data));  // traditional DES
  if (des != nullptr && des[0] != '*') {
    EXPECT_NE(htpasswd_hash_problem(des), "") << des;
  }
  EXPECT_NE(htpasswd_hash_problem("ab01234567890"), "");  // DES-shaped
  EXPECT_NE(htpasswd_hash_problem("$2x$05$" + std::string(53, 'a')), "");
  EXPECT_NE(htpasswd_hash_problem("$7$CU..../....salt$hash"), "");  // scrypt: not in the list
  EXPECT_NE(htpasswd_hash_problem(""), "");
}

TEST(Htpasswd, RefusesMalformedHashesOfSupportedSchemes) {
  const std::string bcrypt = make_hash("$2b$", 4, "pw");
  const std::string sha512 = make_hash("$6$", 5000, "pw");
  const std::string yes = make_hash("$y$", 0, "pw");
  EXPECT_EQ(htpasswd_hash_problem(bcrypt), "");
  EXPECT_NE(htpasswd_hash_problem(bcrypt.substr(0, 59)), "");
  EXPECT_NE(htpasswd_hash_problem(bcrypt + "x"), "");
  EXPECT_NE(htpasswd_hash_problem("$2b$03" + bcrypt.substr(6)), "");  // cost below 4
  EXPECT_NE(htpasswd_hash_problem("$2b$32" + bcrypt.substr(6)), "");  // cost above 31
  EXPECT_NE(htpasswd_hash_problem(bcrypt.substr(0, 20) + "!" + bcrypt.substr(21)), "");
  EXPECT_EQ(htpasswd_hash_problem(sha512), "");
  EXPECT_NE(htpasswd_hash_problem(sha512.substr(0, sha512.size() - 1)), "");
  EXPECT_NE(htpasswd_hash_problem("$6$rounds=999$salt$" + std::string(86, 'a')), "");
  EXPECT_EQ(htpasswd_hash_problem("$6$rounds=1000$salt$" + std::string(86, 'a')), "");
  EXPECT_NE(htpasswd_hash_problem("$6$" + std::string(17, 's') + "$" + std::string(86, 'a')), "");
  EXPECT_NE(htpasswd_hash_problem("$6$$" + std::string(86, 'a')), "");
  EXPECT_EQ(htpasswd_hash_problem(yes), "");
  EXPECT_NE(htpasswd_hash_problem(yes + "$"), "");
  EXPECT_NE(htpasswd_hash_problem("$y$j9T$$" + std::string(43, 'a')), "");
}

TEST(Htpasswd, FileFormatErrorsHaveLineNumbers) {
  const std::string hash = make_hash("$2b$", 4, "pw");
  const std::string text =
      "# users\n"  // 1
      "alice:" +
      hash +
      "\n"  // 2
      "\n"  // 3
      "alice:" +
      hash +
      "\n"               // 4 duplicate
      "no colon here\n"  // 5
      ":" +
      hash +
      "\n"  // 6 empty user
      "bob smith:" +
      hash +
      "\n"  // 7 blank in user
      "carol:" +
      hash +
      " \n"      // 8 trailing blank in hash
      "dave:\n"  // 9 no hash
      "eve:" +
      std::string(5000, 'x') +
      "\n"                        // 10 too long
      "  # indented comment\r\n"  // 11
      "frank:" +
      hash + "\r\n";  // 12 fine (CRLF)
  const htpasswd_load load = parse_htpasswd(text, "users.htpasswd");
  EXPECT_EQ(load.set, nullptr);
  const std::vector<std::string> expected_lines = {"4", "5", "6", "7", "8", "9", "10"};
  ASSERT_EQ(load.errors.size(), expected_lines.size());
  for (std::size_t i = 0; i < expected_lines.size(); ++i) {
    EXPECT_EQ(load.errors[i].rfind("users.htpasswd:" + expected_lines[i] + ": ", 0), 0U) << load.errors[i];
  }
  EXPECT_NE(load.errors[0].find("first on line 2"), std::string::npos) << load.errors[0];
}

// The crypt(3) output is compared with CRYPTO_memcmp, not with == (which stops at the first
// differing byte).
TEST(Htpasswd, ComparesTheCryptOutputInConstantTime) {
  const auto set = parse_ok("alice:" + make_hash("$2b$", 4, "pw") + "\n");
  for (const char* password : {"pw", "wrong"}) {
    const std::uint64_t before = credential::equal_constant_time_calls();
    static_cast<void>(set->check("alice", password));
    EXPECT_EQ(credential::equal_constant_time_calls() - before, 1U) << password;
  }
}

TEST(Htpasswd, EmptyFileIsValidAndKnowsNobody) {
  const auto set = parse_ok("# nobody yet\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->check("alice", "pw").verdict, credential_verdict::unknown);
}

TEST(Htpasswd, UnknownUserAndEmbeddedNul) {
  const auto set = parse_ok("alice:" + make_hash("$2b$", 4, "pw") + "\n");
  const credential_result unknown = set->check("mallory", "pw");
  EXPECT_EQ(unknown.verdict, credential_verdict::unknown);
  EXPECT_EQ(unknown.principal, nullptr);
  EXPECT_TRUE(unknown.subject.empty());
  EXPECT_EQ(set->check("alice", std::string("pw\0extra", 8)).verdict, credential_verdict::malformed);
  EXPECT_EQ(set->check(std::string("alice\0", 6), "pw").verdict, credential_verdict::malformed);
  EXPECT_EQ(set->check("ALICE", "pw").verdict, credential_verdict::unknown);  // user names are exact
}

TEST(Htpasswd, BcryptUsesOnlyTheFirst72Bytes) {
  const std::string long_password(100, 'p');
  const auto set = parse_ok("alice:" + make_hash("$2b$", 4, long_password) + "\n");
  EXPECT_EQ(set->check("alice", long_password).verdict, credential_verdict::ok);
  EXPECT_EQ(set->check("alice", long_password.substr(0, 72)).verdict, credential_verdict::ok);
  EXPECT_EQ(set->check("alice", long_password.substr(0, 71)).verdict, credential_verdict::bad_secret);
}

// Without the dummy verification an unknown user would be answered in microseconds while a
// wrong password for a real user takes a full bcrypt computation. Timings do not belong in
// tests, so this checks the work instead: an unknown user runs crypt (and its constant-time
// compare) against a real hash, exactly as a wrong password does.
TEST(Htpasswd, UnknownUserRunsTheSameVerificationAsAWrongPassword) {
  const auto set = parse_ok("alice:" + make_hash("$2b$", 4, "pw") + "\n");
  const auto compares = [&](std::string_view user) {
    const std::uint64_t before = credential::equal_constant_time_calls();
    static_cast<void>(set->check(user, "wrong"));
    return credential::equal_constant_time_calls() - before;
  };
  EXPECT_EQ(compares("alice"), 1u);
  EXPECT_EQ(compares("mallory"), 1u);
}

TEST(Htpasswd, ChecksParsedBasicCredentials) {
  const auto set = parse_ok("alice:" + make_hash("$y$", 0, "open sesame") + "\n");
  const basic_parse_result parsed = parse_basic_authorization("Basic YWxpY2U6b3BlbiBzZXNhbWU=");
  ASSERT_EQ(parsed.verdict, credential_verdict::ok);
  const credential_result result = set->check(parsed.credentials);
  EXPECT_EQ(result.verdict, credential_verdict::ok);
  EXPECT_EQ(result.reason.find("sesame"), std::string_view::npos);
}

TEST(Htpasswd, LoadsAndReloadsAFile) {
  temp_dir dir;
  const std::string path = dir.write("users", "alice:" + make_hash("$2b$", 4, "one") + "\n");
  const htpasswd_load first = load_htpasswd_file(path);
  ASSERT_TRUE(first.set);
  EXPECT_EQ(first.stamp, credential::stamp_file(path));
  EXPECT_EQ(first.set->check("alice", "one").verdict, credential_verdict::ok);

  dir.write("users", "alice:$apr1$abc$def\n");
  ASSERT_NE(credential::stamp_file(path), first.stamp);
  const htpasswd_load broken = load_htpasswd_file(path);
  EXPECT_EQ(broken.set, nullptr);
  EXPECT_EQ(broken.stamp, credential::stamp_file(path));
  EXPECT_EQ(first.set->check("alice", "one").verdict, credential_verdict::ok);  // old set still serves

  dir.write("users", "alice:" + make_hash("$2b$", 4, "two") + "\nbob:" + make_hash("$6$", 1000, "b") + "\n");
  const htpasswd_load second = load_htpasswd_file(path);
  ASSERT_TRUE(second.set);
  EXPECT_EQ(second.set->check("alice", "one").verdict, credential_verdict::bad_secret);
  EXPECT_EQ(second.set->check("alice", "two").verdict, credential_verdict::ok);
  EXPECT_EQ(second.set->check("bob", "b").verdict, credential_verdict::ok);

  EXPECT_FALSE(load_htpasswd_file(dir.file("absent")).errors.empty());
  const std::string big = dir.write("big", std::string(credential::max_credential_file_size + 1, '#'));
  EXPECT_FALSE(load_htpasswd_file(big).errors.empty());
}

}  // namespace
}  // namespace ferry
