// Verified tokens remembered per worker, so a token a client sends on every request is checked
// (signature, JSON, claims) once, not per request, and what it proved is turned into a
// principal once, not per request. Keyed by the token's exact bytes and the key set's
// generation (a reload makes every earlier entry a miss). An entry lives until the token's exp
// (plus leeway, as the verifier accepts it) and at most `max_ttl` after it was stored; at most
// `max_entries` are kept, least recently used first out.
//
// Lookup: a 64-bit hash seeded at random per cache finds the candidate entry, then the stored
// token bytes must equal the presented ones, so a hash collision can only cost a miss, never
// return another token's claims. The cache therefore holds the tokens themselves: at most
// max_entries × the verifier's max_token_bytes bytes (8 MiB with the defaults, far less with
// real tokens), in the worker's memory like the request buffers the tokens arrived in.
//
// Not thread-safe, by design: each worker owns one cache (and each jwt_verifier configuration
// its own), so lookups take no lock. Only verdict ok is cached: refusals are cheap to repeat
// and caching them would let junk tokens evict good ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "modules/auth/jwt_claims.hpp"
#include "modules/auth/policy_types.hpp"

namespace ferry {

class jwt_token_cache {
 public:
  // What one verified token proved. `claims` is set when the entry is stored. `identity` is the
  // cache owner's: the principal it derives from the claims, built on the first hit and then
  // shared, read-only, by every request presenting the same token (the derivation depends
  // only on the claims and the owner's fixed settings). Neither object changes once set.
  struct cached_token {
    std::shared_ptr<const jwt_claims> claims;
    std::shared_ptr<const principal> identity;
  };

  jwt_token_cache(std::size_t max_entries, std::chrono::seconds max_ttl);

  // The claims stored for `token` under `generation`, when still live at `now` (seconds since
  // the epoch); refreshes its LRU position. An expired entry is dropped.
  std::shared_ptr<const jwt_claims> find(std::string_view token, std::uint64_t generation,
                                         std::int64_t now);

  // As find, but returns the entry itself (valid until the next call that stores, drops or
  // clears entries). For a caller that, on a miss, goes on to verify through find: a hit is
  // counted here, a miss is left for that find to count, so each request counts once.
  cached_token* lookup(std::string_view token, std::uint64_t generation, std::int64_t now);

  // Stores verified claims; `valid_until` is when the token stops being acceptable (nullopt:
  // no exp, so only max_ttl bounds it). Evicts the least recently used entry when full, and an
  // entry whose hash equals the new token's (only one entry per hash value is kept).
  void insert(std::string_view token, std::uint64_t generation,
              std::shared_ptr<const jwt_claims> claims, std::optional<std::int64_t> valid_until,
              std::int64_t now);

  std::size_t size() const { return entries_.size(); }
  std::size_t max_entries() const { return max_entries_; }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }
  void clear();

  // Tests only: every token hashes to the same value from now on, so that entries can be told
  // apart only by their bytes. Drops the current entries.
  void collide_all_hashes_for_testing();

 private:
  struct entry {
    std::string token;
    std::uint64_t hash = 0;
    std::uint64_t generation = 0;
    std::int64_t expires = 0;
    cached_token value;
  };
  // The hash is already mixed: buckets take it as it is.
  struct pass_through {
    std::size_t operator()(std::uint64_t value) const { return static_cast<std::size_t>(value); }
  };

  std::uint64_t hash_of(std::string_view token) const;
  entry* live_entry(std::string_view token, std::uint64_t generation, std::int64_t now);

  const std::size_t max_entries_;
  const std::int64_t max_ttl_;
  std::uint64_t seed_ = 0;
  bool constant_hash_ = false;
  std::list<entry> entries_;  // most recently used first
  std::unordered_map<std::uint64_t, std::list<entry>::iterator, pass_through> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace ferry
