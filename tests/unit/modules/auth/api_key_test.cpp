// API keys: stored hashes, lookup, expiry, the keys file and its reload, and finding the key in
// a request.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "credential_test_support.hpp"
#include "modules/auth/api_key_extract.hpp"
#include "modules/auth/api_key_file.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/credential_codec.hpp"
#include "modules/auth/credential_crypto.hpp"

namespace ferry {
namespace {

using credential_test::temp_dir;
using credential_test::test_request;

constexpr std::int64_t now = 1767225600;  // 2026-01-01T00:00:00Z

api_key_entry entry(std::string id, std::string_view key, std::vector<std::string> roles = {},
                    std::string expires = {}) {
  api_key_entry e;
  e.id = std::move(id);
  e.hash = hash_api_key(key);
  e.roles = std::move(roles);
  e.expires = std::move(expires);
  return e;
}

std::shared_ptr<const api_key_set> build(std::vector<api_key_entry> entries) {
  api_key_set_result result = make_api_key_set(std::move(entries));
  EXPECT_TRUE(result.errors.empty()) << (result.errors.empty() ? "" : result.errors.front());
  return result.set;
}

// No string the check hands back may contain the presented key.
void expect_no_leak(const credential_result& result, std::string_view key) {
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(result.reason.find(key), std::string_view::npos) << result.reason;
  EXPECT_EQ(result.subject.find(key), std::string_view::npos) << result.subject;
  EXPECT_FALSE(result.reason.empty());
}

TEST(ApiKeyHash, IsSha256HexOfTheKeyBytes) {
  EXPECT_EQ(hash_api_key("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash_api_key(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ApiKeyHash, MatchesSha256sumOnAGeneratedKey) {
  if (!credential_test::executable("/usr/bin/sha256sum")) GTEST_SKIP() << "no sha256sum";
  const std::string key = generate_api_key();
  const auto output = credential_test::run("printf %s '" + key + "' | /usr/bin/sha256sum");
  ASSERT_TRUE(output);
  EXPECT_EQ(hash_api_key(key), "sha256:" + output->substr(0, 64));
}

TEST(ApiKeyGenerate, Makes32RandomBytesAsBase64Url) {
  const std::string a = generate_api_key();
  const std::string b = generate_api_key();
  EXPECT_EQ(a.size(), 43U);
  EXPECT_NE(a, b);
  const auto decoded = credential::decode_base64url(a);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->size(), 32U);
}

TEST(ApiKeySet, AcceptsAKnownKeyWithItsRoles) {
  const auto set = build({entry("ci", "key-one-0123456789", {"deploy", "read"}), entry("ops", "key-two-0123456789")});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->size(), 2U);
  const credential_result result = set->check("key-one-0123456789", now);
  ASSERT_EQ(result.verdict, credential_verdict::ok);
  ASSERT_NE(result.principal, nullptr);
  EXPECT_EQ(result.principal->id, "ci");
  EXPECT_EQ(result.principal->roles, (std::vector<std::string>{"deploy", "read"}));
  EXPECT_EQ(result.subject, "ci");
  EXPECT_TRUE(result.authenticated());
  EXPECT_EQ(set->check("key-two-0123456789", now).principal->id, "ops");
}

TEST(ApiKeySet, RefusesUnknownAndNearMissKeys) {
  const auto set = build({entry("ci", "key-one-0123456789")});
  for (const char* key : {"key-one-012345678", "key-one-01234567890", "KEY-ONE-0123456789", "x"}) {
    const credential_result result = set->check(key, now);
    EXPECT_EQ(result.verdict, credential_verdict::unknown) << key;
    EXPECT_EQ(result.principal, nullptr);
    EXPECT_TRUE(result.subject.empty());
    expect_no_leak(result, key);
  }
}

TEST(ApiKeySet, ExpiryBoundaryIsExclusive) {
  const auto set = build({entry("temp", "temporary-key-000", {}, "2026-01-01T00:00:00Z"),
                          entry("unix", "unix-expiry-key-00", {}, "1767225600")});
  EXPECT_EQ(set->check("temporary-key-000", now - 1).verdict, credential_verdict::ok);
  const credential_result at = set->check("temporary-key-000", now);
  EXPECT_EQ(at.verdict, credential_verdict::expired);
  EXPECT_EQ(at.principal, nullptr);
  EXPECT_EQ(at.subject, "temp");  // for the audit log
  expect_no_leak(at, "temporary-key-000");
  EXPECT_EQ(set->check("temporary-key-000", now + 86400).verdict, credential_verdict::expired);
  EXPECT_EQ(set->check("unix-expiry-key-00", now - 1).verdict, credential_verdict::ok);
  EXPECT_EQ(set->check("unix-expiry-key-00", now).verdict, credential_verdict::expired);
}

TEST(ApiKeySet, RefusesMalformedPresentedKeys) {
  const auto set = build({entry("ci", "key-one-0123456789")});
  const std::string longest(max_api_key_length, 'k');
  EXPECT_EQ(set->check(longest, now).verdict, credential_verdict::unknown);  // long but allowed
  for (const std::string& key : {std::string(), std::string(max_api_key_length + 1, 'k'), std::string("key with space"),
                                 std::string("key-one-0123456789\0", 19), std::string("k\xc3\xa9y"),
                                 std::string("tab\tkey"), std::string("del\x7f")}) {
    const credential_result result = set->check(key, now);
    EXPECT_EQ(result.verdict, credential_verdict::malformed) << credential_test::hex_of(key);
    if (!key.empty()) expect_no_leak(result, key);
  }
}

// The lookup compares the presented hash with every stored hash, whether it matches the first,
// the last or none: the work done does not depend on which key (if any) was presented.
TEST(ApiKeySet, ComparesAgainstEveryEntryInConstantTime) {
  std::vector<api_key_entry> entries;
  for (int i = 0; i < 50; ++i)
    entries.push_back(entry("k" + std::to_string(i), "key-" + std::to_string(i) + "-padding"));
  const auto set = build(std::move(entries));
  for (const char* key : {"key-0-padding", "key-49-padding", "key-25-padding", "not-a-key-at-all"}) {
    const std::uint64_t before = credential::equal_constant_time_calls();
    static_cast<void>(set->check(key, now));
    EXPECT_EQ(credential::equal_constant_time_calls() - before, 50U) << key;
  }
  EXPECT_EQ(set->check("key-49-padding", now).principal->id, "k49");
  EXPECT_EQ(set->check("key-0-padding", now).principal->id, "k0");
}

TEST(ApiKeySet, ValidationReportsEveryProblemWithoutQuotingHashes) {
  api_key_entry pasted;  // a key pasted where its hash belongs
  pasted.id = "pasted";
  pasted.hash = "sha256:this-is-the-raw-secret-key";
  pasted.origin = "ferry.toml:7";
  api_key_entry upper = entry("upper", "k2");
  for (char& c : upper.hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.hash.replace(0, 7, "sha256:");
  std::vector<api_key_entry> entries = {
      pasted,
      upper,
      entry("bad id", "k3"),
      entry("dup", "k4"),
      entry("dup", "k5"),
      entry("same-a", "k6"),
      entry("same-b", "k6"),
      entry("roles", "k7", {"ok", "not ok"}),
      entry("roles2", "k8", {"a", "a"}),
      entry("when", "k9", {}, "next tuesday"),
      entry("no-prefix", "k10"),
  };
  entries.back().hash.erase(0, 7);
  const api_key_set_result result = make_api_key_set(entries);
  EXPECT_EQ(result.set, nullptr);
  ASSERT_EQ(result.errors.size(), 9U);
  EXPECT_EQ(result.errors[0].rfind("ferry.toml:7: key \"pasted\": hash must be", 0), 0U) << result.errors[0];
  for (const std::string& error : result.errors) {
    EXPECT_EQ(error.find("raw-secret"), std::string::npos) << error;
    for (const api_key_entry& e : entries) {
      if (e.hash.size() > 16) {
        EXPECT_EQ(error.find(e.hash.substr(e.hash.size() - 16)), std::string::npos) << error;
      }
    }
  }
}

TEST(ApiKeySet, EmptySetIsValidAndKnowsNoKey) {
  const api_key_set_result result = make_api_key_set({});
  ASSERT_TRUE(result.set);
  EXPECT_EQ(result.set->check("anything", now).verdict, credential_verdict::unknown);
}

TEST(ApiKeyFile, ParsesTheDocumentedFormat) {
  const std::string text =
      "# keys for the CI\n"
      "\n"
      "ci " +
      hash_api_key("key-one-0123456789") +
      " roles=deploy,read expires=2027-01-01T00:00:00Z\r\n"
      "  # indented comment\n"
      "ops\t" +
      hash_api_key("key-two-0123456789") +
      "\texpires=1798761600   roles=admin\n"
      "plain " +
      hash_api_key("key-three-0123456") +
      "\n"
      "   \t  \n"
      "last " +
      hash_api_key("key-four-01234567");  // no final newline
  const api_key_lines lines = parse_api_key_lines(text, "keys.txt");
  ASSERT_TRUE(lines.errors.empty()) << lines.errors.front();
  ASSERT_EQ(lines.entries.size(), 4U);
  EXPECT_EQ(lines.entries[0].id, "ci");
  EXPECT_EQ(lines.entries[0].roles, (std::vector<std::string>{"deploy", "read"}));
  EXPECT_EQ(lines.entries[0].expires, "2027-01-01T00:00:00Z");
  EXPECT_EQ(lines.entries[0].origin, "keys.txt:3");
  EXPECT_EQ(lines.entries[1].roles, (std::vector<std::string>{"admin"}));
  EXPECT_EQ(lines.entries[1].origin, "keys.txt:5");
  EXPECT_TRUE(lines.entries[2].roles.empty());
  EXPECT_EQ(lines.entries[3].id, "last");
  const api_key_set_result built = make_api_key_set(lines.entries);
  ASSERT_TRUE(built.set);
  EXPECT_EQ(built.set->check("key-two-0123456789", now).principal->roles, (std::vector<std::string>{"admin"}));
  EXPECT_EQ(built.set->check("key-one-0123456789", 1798761600).verdict, credential_verdict::expired);
}

TEST(ApiKeyFile, ReportsErrorsWithLineNumbers) {
  const std::string hash = hash_api_key("k");
  const std::string text =
      "only-an-id\n"  // 1
      "a " +
      hash +
      " roles=x roles=y\n"  // 2
      "b " +
      hash +
      " expires=1 expires=2\n"  // 3
      "c " +
      hash +
      " colour=blue\n"  // 4
      "d " +
      hash +
      " roles=\n"  // 5
      "e " +
      hash +
      " expires=\n"  // 6
      "f " +
      hash +
      " roles=a\x01\n"  // 7
      "g " +
      hash +
      " # trailing comment\n"  // 8
      "h " +
      std::string(5000, 'x') +
      "\n"        // 9
      "# fine\n"  // 10
      "j " +
      hash + "\n";  // 11
  const api_key_lines lines = parse_api_key_lines(text, "keys.txt");
  ASSERT_EQ(lines.errors.size(), 9U);
  for (std::size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(lines.errors[i].rfind("keys.txt:" + std::to_string(i + 1) + ": ", 0), 0U) << lines.errors[i];
  }
  ASSERT_EQ(lines.entries.size(), 1U);
  EXPECT_EQ(lines.entries[0].origin, "keys.txt:11");
}

TEST(ApiKeyFile, LoadsMergesWithConfigAndReloads) {
  temp_dir dir;
  const std::string path = dir.write("keys", "file-key " + hash_api_key("from-the-file-0001") + " roles=r\n");
  const std::vector<api_key_entry> config = {entry("config-key", "from-the-config-01")};
  const api_key_file_load first = load_api_key_file(path, config);
  ASSERT_TRUE(first.set) << first.errors.front();
  EXPECT_TRUE(first.stamp.exists);
  EXPECT_EQ(first.set->check("from-the-file-0001", now).principal->id, "file-key");
  EXPECT_EQ(first.set->check("from-the-config-01", now).principal->id, "config-key");
  EXPECT_EQ(credential::stamp_file(path), first.stamp);  // unchanged: nothing to do

  // A broken edit: the caller keeps `first.set`, and learns the new stamp so it does not retry.
  dir.write("keys", "file-key " + hash_api_key("from-the-file-0002") + " bogus\n");
  ASSERT_NE(credential::stamp_file(path), first.stamp);
  const api_key_file_load broken = load_api_key_file(path, config);
  EXPECT_EQ(broken.set, nullptr);
  ASSERT_EQ(broken.errors.size(), 1U);
  EXPECT_EQ(broken.errors[0].rfind(path + ":1: ", 0), 0U) << broken.errors[0];
  EXPECT_EQ(broken.stamp, credential::stamp_file(path));
  EXPECT_EQ(first.set->check("from-the-file-0001", now).verdict, credential_verdict::ok);

  dir.write("keys", "file-key " + hash_api_key("from-the-file-0002") + "\n");
  const api_key_file_load fixed = load_api_key_file(path, config);
  ASSERT_TRUE(fixed.set);
  EXPECT_EQ(fixed.set->check("from-the-file-0001", now).verdict, credential_verdict::unknown);
  EXPECT_EQ(fixed.set->check("from-the-file-0002", now).verdict, credential_verdict::ok);

  // An id in both the file and the config is ambiguous.
  dir.write("keys", "config-key " + hash_api_key("another-key-00001") + "\n");
  EXPECT_EQ(load_api_key_file(path, config).set, nullptr);
  // So is a missing file.
  const api_key_file_load missing = load_api_key_file(dir.file("absent"), config);
  EXPECT_EQ(missing.set, nullptr);
  EXPECT_FALSE(missing.errors.empty());
  EXPECT_FALSE(missing.stamp.exists);
}

TEST(ApiKeyExtract, FromBearer) {
  const api_key_sources sources;
  for (const char* value : {"Bearer abc.DEF-123", "bearer abc.DEF-123", "BEARER    abc.DEF-123"}) {
    test_request r{{"Authorization", value}};
    const presented_api_key presented = extract_api_key(r.req, sources);
    EXPECT_EQ(presented.verdict, credential_verdict::ok) << value;
    EXPECT_EQ(presented.key, "abc.DEF-123");
  }
}

TEST(ApiKeyExtract, OtherSchemesAreMissingNotMalformed) {
  const api_key_sources sources;
  for (const char* value : {"Basic dXNlcjpwYXNz", "Bearerish abc", "Digest x=1", "B"}) {
    test_request r{{"Authorization", value}};
    EXPECT_EQ(extract_api_key(r.req, sources).verdict, credential_verdict::missing) << value;
  }
  test_request none{{"Accept", "*/*"}};
  EXPECT_EQ(extract_api_key(none.req, sources).verdict, credential_verdict::missing);
}

TEST(ApiKeyExtract, RefusesHostileValues) {
  const api_key_sources sources;
  const std::string huge = "Bearer " + std::string(64 * 1024, 'A');
  for (const std::string& value :
       {std::string("Bearer"), std::string("Bearer "), std::string("Bearer a b"), std::string("Bearer\tabc"),
        std::string("Bearer ab\0c", 11), std::string("Bearer caf\xc3\xa9"), huge, std::string("Bearer a\x01")}) {
    test_request r{{"Authorization", value}};
    const presented_api_key presented = extract_api_key(r.req, sources);
    EXPECT_EQ(presented.verdict, credential_verdict::malformed) << credential_test::hex_of(value.substr(0, 20));
    EXPECT_TRUE(presented.key.empty());
  }
}

TEST(ApiKeyExtract, FromAConfiguredHeader) {
  api_key_sources sources;
  sources.header = "X-API-Key";
  test_request r{{"x-api-key", "k-123"}};
  const presented_api_key presented = extract_api_key(r.req, sources);
  EXPECT_EQ(presented.verdict, credential_verdict::ok);
  EXPECT_EQ(presented.key, "k-123");

  test_request both{{"X-API-Key", "k-123"}, {"Authorization", "Bearer k-456"}};
  EXPECT_EQ(extract_api_key(both.req, sources).verdict, credential_verdict::malformed);
  test_request repeated{{"X-API-Key", "k-123"}, {"X-API-Key", "k-123"}};
  EXPECT_EQ(extract_api_key(repeated.req, sources).verdict, credential_verdict::malformed);
  test_request empty{{"X-API-Key", ""}};
  EXPECT_EQ(extract_api_key(empty.req, sources).verdict, credential_verdict::malformed);
  test_request basic_and_header{{"Authorization", "Basic dXNlcjpwYXNz"}, {"X-API-Key", "k-123"}};
  EXPECT_EQ(extract_api_key(basic_and_header.req, sources).key, "k-123");

  sources.bearer = false;
  test_request bearer_only{{"Authorization", "Bearer k-456"}};
  EXPECT_EQ(extract_api_key(bearer_only.req, sources).verdict, credential_verdict::missing);
}

TEST(ApiKeyExtract, RepeatedAuthorizationIsMalformed) {
  test_request r{{"Authorization", "Bearer a"}, {"authorization", "Bearer b"}};
  EXPECT_EQ(extract_api_key(r.req, api_key_sources{}).verdict, credential_verdict::malformed);
}

TEST(ApiKeyCheck, WholeRequest) {
  const std::string key = generate_api_key();
  const auto set = build({entry("gen", key, {"read"})});
  test_request ok{{"Authorization", "Bearer " + key}};
  const credential_result accepted = check_api_key(ok.req, api_key_sources{}, *set, now);
  EXPECT_EQ(accepted.verdict, credential_verdict::ok);
  EXPECT_EQ(accepted.principal->id, "gen");
  expect_no_leak(accepted, key);

  const std::string wrong = generate_api_key();
  test_request bad{{"Authorization", "Bearer " + wrong}};
  const credential_result refused = check_api_key(bad.req, api_key_sources{}, *set, now);
  EXPECT_EQ(refused.verdict, credential_verdict::unknown);
  expect_no_leak(refused, wrong);

  test_request none{};
  EXPECT_EQ(check_api_key(none.req, api_key_sources{}, *set, now).verdict, credential_verdict::missing);
}

}  // namespace
}  // namespace ferry
