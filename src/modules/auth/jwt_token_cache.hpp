// Verified tokens remembered per worker, so a token a client sends on every request is checked
// (signature, JSON, claims) once, not per request. Keyed by SHA-256 of the token's bytes (not
// the bytes: the cache holds no credentials) and the key set's generation (a reload makes
// every earlier entry a miss). An entry lives until the token's exp (plus leeway, as the
// verifier accepts it) and at most `max_ttl` after it was stored; at most `max_entries` are
// kept, least recently used first out.
//
// Not thread-safe, by design: each worker owns one cache (and each jwt_verifier configuration
// its own), so lookups take no lock. Only verdict ok is cached: refusals are cheap to repeat
// and caching them would let junk tokens evict good ones.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "modules/auth/jwt_claims.hpp"

namespace ferry {

class jwt_token_cache {
 public:
  jwt_token_cache(std::size_t max_entries, std::chrono::seconds max_ttl);

  // The claims stored for `token` under `generation`, when still live at `now` (seconds since
  // the epoch); refreshes its LRU position. An expired entry is dropped.
  std::shared_ptr<const jwt_claims> find(std::string_view token, std::uint64_t generation,
                                         std::int64_t now);

  // Stores verified claims; `valid_until` is when the token stops being acceptable (nullopt:
  // no exp, so only max_ttl bounds it). Evicts the least recently used entry when full.
  void insert(std::string_view token, std::uint64_t generation,
              std::shared_ptr<const jwt_claims> claims, std::optional<std::int64_t> valid_until,
              std::int64_t now);

  std::size_t size() const { return entries_.size(); }
  std::size_t max_entries() const { return max_entries_; }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }
  void clear();

 private:
  using digest = std::array<unsigned char, 32>;
  struct digest_hash {
    std::size_t operator()(const digest& value) const;
  };
  struct entry {
    digest key{};
    std::uint64_t generation = 0;
    std::int64_t expires = 0;
    std::shared_ptr<const jwt_claims> claims;
  };
  static bool hash_token(std::string_view token, digest& out);

  const std::size_t max_entries_;
  const std::int64_t max_ttl_;
  std::list<entry> entries_;  // most recently used first
  std::unordered_map<digest, std::list<entry>::iterator, digest_hash> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace ferry
