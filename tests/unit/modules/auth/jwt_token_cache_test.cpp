// The per-worker verified-token cache: hits skip verification, entries end at exp (plus
// leeway) or the TTL, the LRU bound holds, and a key reload invalidates everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/auth/jwt_test_support.hpp"
#include "modules/auth/jwt_token_cache.hpp"

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

// Direct use of the cache, without a verifier: claims objects told apart by identity.
std::shared_ptr<const jwt_claims> claims_named(std::string_view name) {
  json_value payload;
  payload.type = json_value::kind::string;
  payload.text = std::string(name);
  return std::make_shared<const jwt_claims>(std::move(payload));
}

constexpr std::int64_t t0 = 1'700'000'000;

TEST(JwtCacheKeys, CollidingHashesNeverReturnAnotherTokensClaims) {
  jwt_token_cache cache(16, std::chrono::seconds(300));
  cache.collide_all_hashes_for_testing();  // every token lands on the same index slot
  const std::string a = "aaaa.bbbb.cccc";
  const std::string b = "aaaa.bbbb.cccd";  // same length, last byte differs
  const auto claims_a = claims_named("a");
  cache.insert(a, 1, claims_a, std::nullopt, t0);
  EXPECT_EQ(cache.find(a, 1, t0), claims_a);
  EXPECT_EQ(cache.find(b, 1, t0), nullptr);
  EXPECT_EQ(cache.lookup(b, 1, t0), nullptr);
  EXPECT_EQ(cache.find(a.substr(0, a.size() - 1), 1, t0), nullptr);  // a prefix
  EXPECT_EQ(cache.find(a + "x", 1, t0), nullptr);                    // an extension
  EXPECT_EQ(cache.find("", 1, t0), nullptr);
  // b stored under the same hash replaces a: each is found only under its own bytes.
  const auto claims_b = claims_named("b");
  cache.insert(b, 1, claims_b, std::nullopt, t0);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find(b, 1, t0), claims_b);
  EXPECT_EQ(cache.find(a, 1, t0), nullptr);
}

TEST_F(JwtCache, CollidingHashesStillVerifyEachToken) {
  jwt_token_cache cache(16, std::chrono::seconds(300));
  cache.collide_all_hashes_for_testing();
  const std::string a = token(fixture_now + 1000, "a");
  const std::string b = token(fixture_now + 1000, "b");
  for (int round = 0; round < 3; ++round) {
    for (const auto* text : {&a, &b}) {
      const jwt_result result = verify(*text, cache);
      ASSERT_EQ(result.verdict, jwt_verdict::ok);
      EXPECT_EQ(result.claims->string_claim("who"), text == &a ? "a" : "b");
    }
  }
  // A token that differs from a stored one in a single byte is verified, not looked up.
  std::string forged = a;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_NE(verify(forged, cache).verdict, jwt_verdict::ok);
}

TEST(JwtCacheKeys, LookupKeepsTheDerivedIdentity) {
  jwt_token_cache cache(4, std::chrono::seconds(300));
  const auto claims = claims_named("a");
  cache.insert("t.o.k", 7, claims, std::nullopt, t0);
  jwt_token_cache::cached_token* hit = cache.lookup("t.o.k", 7, t0);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->claims, claims);
  EXPECT_EQ(hit->identity, nullptr);
  auto identity = std::make_shared<principal>();
  identity->subject = "alice";
  hit->identity = identity;
  hit = cache.lookup("t.o.k", 7, t0 + 1);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->identity, identity);
  EXPECT_EQ(cache.hits(), 2u);
  // A miss is left for find to count (the checker verifies through find next).
  EXPECT_EQ(cache.lookup("t.o.x", 7, t0), nullptr);
  EXPECT_EQ(cache.misses(), 0u);
  EXPECT_EQ(cache.lookup("t.o.k", 8, t0), nullptr);  // another key set generation
  EXPECT_EQ(cache.size(), 0u);                      // ... drops the entry
}

TEST(JwtCacheKeys, ExpiryIsHonouredByLookupAndFind) {
  jwt_token_cache cache(4, std::chrono::seconds(300));
  cache.insert("x.y.z", 1, claims_named("x"), t0 + 10, t0);
  EXPECT_NE(cache.lookup("x.y.z", 1, t0 + 9), nullptr);
  EXPECT_EQ(cache.lookup("x.y.z", 1, t0 + 10), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  // The TTL bounds an entry whose token lives longer.
  cache.insert("x.y.z", 1, claims_named("x"), t0 + 100000, t0);
  EXPECT_NE(cache.find("x.y.z", 1, t0 + 299), nullptr);
  EXPECT_EQ(cache.find("x.y.z", 1, t0 + 300), nullptr);
  // Already over: not stored at all.
  cache.insert("x.y.z", 1, claims_named("x"), t0, t0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(JwtCacheKeys, CapacityBoundHoldsWithAndWithoutCollisions) {
  for (const bool collide : {false, true}) {
    jwt_token_cache cache(5, std::chrono::seconds(300));
    if (collide) cache.collide_all_hashes_for_testing();
    std::vector<std::string> tokens;
    for (int i = 0; i < 200; ++i) {
      tokens.push_back("h." + std::to_string(i) + ".s");
      cache.insert(tokens.back(), 1, claims_named(tokens.back()), std::nullopt, t0);
      ASSERT_LE(cache.size(), 5u);
    }
    // The most recent one is there; every hit returns the claims stored for those bytes.
    EXPECT_NE(cache.find(tokens.back(), 1, t0), nullptr);
    for (const std::string& t : tokens) {
      if (auto found = cache.find(t, 1, t0)) {
        EXPECT_EQ(found->payload().text, t);
      }
    }
  }
}

TEST(JwtCacheKeys, DistinctTokensGetDistinctEntries) {
  // With the real hash, tokens differing anywhere (first byte, middle, last, length) are all
  // kept apart: a thousand of them in a cache of a thousand are all found.
  jwt_token_cache cache(1000, std::chrono::seconds(300));
  std::vector<std::string> tokens;
  const std::string base(300, 'Q');
  for (std::size_t i = 0; i < 1000; ++i) {
    std::string t = base;
    t[i % t.size()] = static_cast<char>('a' + static_cast<char>(i / t.size()));
    if (i % 7 == 0) t.resize(t.size() - i % 13);
    tokens.push_back(std::move(t));
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  for (const std::string& t : tokens) cache.insert(t, 1, claims_named(t), std::nullopt, t0);
  std::size_t found = 0;
  for (const std::string& t : tokens) {
    if (auto claims = cache.find(t, 1, t0)) {
      EXPECT_EQ(claims->payload().text, t);
      ++found;
    }
  }
  // A 64-bit collision among these would drop one entry; none is expected.
  EXPECT_EQ(found, tokens.size());
}

}  // namespace
}  // namespace ferry
