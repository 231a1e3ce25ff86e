// The per-worker verified-token cache: hits skip verification, entries end at exp (plus
// leeway) or the TTL, the LRU bound holds, and a key reload invalidates everything.
#include <gtest/gtest.h>

#include "modules/auth/jwt_test_support.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

class JwtCache : public ::testing::Test {
 protected:
  JwtCache() : key_(generate_key(jwt_algorithm::eddsa)) {
    std::vector<jwt_key> keys{public_key_for(key_, jwt_algorithm::eddsa)};
    set_ = std::make_unique<jwt_key_set>(std::move(keys));
  }

  std::string token(std::int64_t exp, std::string_view sub = "bob") {
    return mint(header_for(jwt_algorithm::eddsa), claims_json(exp, 0, 0,
                "\"who\":\"" + std::string(sub) + "\""),
                jwt_algorithm::eddsa, key_.get());
  }
  jwt_result verify(const std::string& text, jwt_token_cache& cache) {
    return jwt_verifier(fixture_options(), clock_.clock()).verify(text, *set_, &cache);
  }

  pkey_ptr key_;
  std::unique_ptr<jwt_key_set> set_;
  test_clock clock_;
};

TEST_F(JwtCache, SecondVerificationIsAHit) {
  jwt_token_cache cache(16, std::chrono::seconds(300));
  const std::string text = token(fixture_now + 1000);
  auto first = verify(text, cache);
  ASSERT_EQ(first.verdict, jwt_verdict::ok);
  EXPECT_FALSE(first.from_cache);
  auto second = verify(text, cache);
  ASSERT_EQ(second.verdict, jwt_verdict::ok);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.claims, first.claims);  // the same immutable claims object
  EXPECT_EQ(second.claims->string_claim("who"), "bob");
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(JwtCache, RefusalsAreNotCached) {
  jwt_token_cache cache(16, std::chrono::seconds(300));
  std::string text = token(fixture_now + 1000);
  text.back() = text.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(verify(text, cache).verdict, jwt_verdict::bad_signature);
  EXPECT_EQ(verify(text, cache).verdict, jwt_verdict::bad_signature);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(verify(token(fixture_now - 1000), cache).verdict, jwt_verdict::expired);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(JwtCache, EntryEndsWhenTheTokenExpires) {
  jwt_token_cache cache(16, std::chrono::seconds(100000));
  const std::int64_t exp = fixture_now + 100;
  const std::string text = token(exp);
  ASSERT_EQ(verify(text, cache).verdict, jwt_verdict::ok);
  *clock_.seconds = exp + 59;  // inside the leeway: still accepted, from the cache
  auto result = verify(text, cache);
  EXPECT_EQ(result.verdict, jwt_verdict::ok);
  EXPECT_TRUE(result.from_cache);
  *clock_.seconds = exp + 60;
  result = verify(text, cache);
  EXPECT_EQ(result.verdict, jwt_verdict::expired);
  EXPECT_FALSE(result.from_cache);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(JwtCache, EntryEndsAfterTheTtl) {
  jwt_token_cache cache(16, std::chrono::seconds(30));
  const std::string text = token(fixture_now + 100000);
  ASSERT_EQ(verify(text, cache).verdict, jwt_verdict::ok);
  *clock_.seconds = fixture_now + 29;
  EXPECT_TRUE(verify(text, cache).from_cache);
  *clock_.seconds = fixture_now + 30;
  auto result = verify(text, cache);
  EXPECT_EQ(result.verdict, jwt_verdict::ok);
  EXPECT_FALSE(result.from_cache);  // verified again, and stored again
  EXPECT_TRUE(verify(text, cache).from_cache);
}

TEST_F(JwtCache, LeastRecentlyUsedIsEvicted) {
  jwt_token_cache cache(3, std::chrono::seconds(300));
  const std::string a = token(fixture_now + 1000, "a");
  const std::string b = token(fixture_now + 1000, "b");
  const std::string c = token(fixture_now + 1000, "c");
  const std::string d = token(fixture_now + 1000, "d");
  for (const auto* text : {&a, &b, &c}) ASSERT_EQ(verify(*text, cache).verdict, jwt_verdict::ok);
  EXPECT_TRUE(verify(a, cache).from_cache);  // a is now the most recent; b the least
  ASSERT_EQ(verify(d, cache).verdict, jwt_verdict::ok);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(verify(b, cache).from_cache);  // evicted (and now stored again, evicting c)
  EXPECT_TRUE(verify(a, cache).from_cache);
  EXPECT_TRUE(verify(d, cache).from_cache);
  EXPECT_FALSE(verify(c, cache).from_cache);
  EXPECT_EQ(cache.size(), 3u);
}

TEST_F(JwtCache, ManyTokensStayWithinTheBound) {
  jwt_token_cache cache(8, std::chrono::seconds(300));
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(verify(token(fixture_now + 1000, std::to_string(i)), cache).verdict,
              jwt_verdict::ok);
    EXPECT_LE(cache.size(), 8u);
  }
}

TEST_F(JwtCache, NewKeySetGenerationMisses) {
  jwt_token_cache cache(16, std::chrono::seconds(300));
  const std::string text = token(fixture_now + 1000);
  ASSERT_EQ(verify(text, cache).verdict, jwt_verdict::ok);
  // A reloaded set without the key: the cached verdict must not outlive the key.
  const auto other = generate_key(jwt_algorithm::eddsa);
  set_ = std::make_unique<jwt_key_set>(
      std::vector<jwt_key>{public_key_for(other, jwt_algorithm::eddsa)});
  EXPECT_EQ(verify(text, cache).verdict, jwt_verdict::bad_signature);
}

TEST_F(JwtCache, ZeroSizedCacheStoresNothing) {
  jwt_token_cache cache(0, std::chrono::seconds(300));
  const std::string text = token(fixture_now + 1000);
  EXPECT_EQ(verify(text, cache).verdict, jwt_verdict::ok);
  EXPECT_FALSE(verify(text, cache).from_cache);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace ferry
