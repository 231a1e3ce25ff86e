// reload_jwt_key_set: unchanged files keep the same set; a changed file gives a new set; a
// broken file keeps the old set working and reports why.
#include <gtest/gtest.h>
#include <unistd.h>

#include "modules/auth/jwt_test_support.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

class JwtKeyReload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-jwt-reload-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    // Write beside and rename, as deployment tools do: a new inode, so the change is seen even
    // when size and mtime happen to match.
    const auto temp = dir_ / (name + ".tmp");
    std::ofstream(temp, std::ios::binary) << text;
    std::filesystem::rename(temp, dir_ / name);
  }
  std::vector<jwt_key_source> jwks_source() const {
    jwt_key_source source;
    source.type = jwt_key_source::kind::jwks_file;
    source.path = (dir_ / "jwks.json").string();
    return {source};
  }

  std::filesystem::path dir_;
};

TEST_F(JwtKeyReload, ReloadsChangedFilesAndKeepsOldSetOnFailure) {
  const std::string jwks = read_text(fixture_dir() / "jwks.json");
  ASSERT_FALSE(jwks.empty());
  write("jwks.json", jwks);
  auto loaded = load_jwt_key_set(jwks_source());
  ASSERT_TRUE(loaded.keys) << loaded.error;
  const auto first = loaded.keys;

  // Nothing changed: the same set.
  auto again = reload_jwt_key_set(first);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.keys, first);
  EXPECT_EQ(again.error, "");

  // Broken file: the old set stays, with an error.
  write("jwks.json", "{\"keys\": [");
  auto broken = reload_jwt_key_set(first);
  EXPECT_FALSE(broken.changed);
  EXPECT_EQ(broken.keys, first);
  EXPECT_NE(broken.error.find("jwks.json"), std::string::npos) << broken.error;
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  EXPECT_EQ(verifier.verify(token_named("valid_es256"), *broken.keys).verdict, jwt_verdict::ok);

  // Missing file: the same.
  std::filesystem::remove(dir_ / "jwks.json");
  auto missing = reload_jwt_key_set(first);
  EXPECT_EQ(missing.keys, first);
  EXPECT_FALSE(missing.error.empty());

  // A valid new set with only the EC key: a new generation, and the RSA token is now refused.
  const auto ec_only = R"({"keys":[)" + std::string([&] {
    const auto start = jwks.find("{\n   \"kty\": \"EC\"");
    const auto end = jwks.find('}', start);
    return jwks.substr(start, end - start + 1);
  }()) + "]}";
  write("jwks.json", ec_only);
  auto fresh = reload_jwt_key_set(first);
  ASSERT_TRUE(fresh.changed) << fresh.error;
  ASSERT_TRUE(fresh.keys);
  EXPECT_NE(fresh.keys, first);
  EXPECT_NE(fresh.keys->generation(), first->generation());
  EXPECT_EQ(fresh.keys->keys().size(), 1u);
  EXPECT_EQ(verifier.verify(token_named("valid_es256"), *fresh.keys).verdict, jwt_verdict::ok);
  EXPECT_EQ(verifier.verify(token_named("valid_rs256"), *fresh.keys).verdict,
            jwt_verdict::unknown_key);
  // The old set is untouched for whoever still holds it.
  EXPECT_EQ(verifier.verify(token_named("valid_rs256"), *first).verdict, jwt_verdict::ok);

  // And the new set itself reloads as unchanged.
  EXPECT_FALSE(reload_jwt_key_set(fresh.keys).changed);
}

TEST_F(JwtKeyReload, SecretFileChange) {
  write("hs256.secret", std::string(40, 'a') + "\n");
  jwt_key_source source;
  source.type = jwt_key_source::kind::secret_file;
  source.path = (dir_ / "hs256.secret").string();
  source.algorithm = jwt_algorithm::hs256;
  auto loaded = load_jwt_key_set({source});
  ASSERT_TRUE(loaded.keys) << loaded.error;
  EXPECT_EQ(loaded.keys->keys()[0].secret, std::string(40, 'a'));  // newline dropped

  write("hs256.secret", "short\r\n");
  auto refused = reload_jwt_key_set(loaded.keys);
  EXPECT_EQ(refused.keys, loaded.keys);
  EXPECT_NE(refused.error.find("32 bytes"), std::string::npos) << refused.error;

  write("hs256.secret", std::string(33, 'b') + "\r\n");
  auto fresh = reload_jwt_key_set(loaded.keys);
  ASSERT_TRUE(fresh.changed) << fresh.error;
  EXPECT_EQ(fresh.keys->keys()[0].secret, std::string(33, 'b'));
}

TEST_F(JwtKeyReload, InlineSecretNeverChanges) {
  jwt_key_source source;
  source.type = jwt_key_source::kind::secret;
  source.secret = std::string(32, 'z');
  source.algorithm = jwt_algorithm::hs256;
  auto loaded = load_jwt_key_set({source});
  ASSERT_TRUE(loaded.keys) << loaded.error;
  auto again = reload_jwt_key_set(loaded.keys);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.keys, loaded.keys);
}

}  // namespace
}  // namespace ferry
