// The local rate-limit backend: one table of GCRA states (a TAT per key) shared by every
// worker thread of the process, so a limit is exact across workers.
//
// The table is split into shards (a power of two, up to 64), each with its own mutex, hash
// chains and LRU order: requests for different keys rarely wait for each other and there is
// no global lock. Shard and bucket come from SipHash keyed with random bytes drawn once per
// store (std::random_device), so a client cannot choose addresses that pile into one shard
// or one chain.
//
// Memory is bounded: at most `max_keys` keys are held (split evenly over the shards). A new
// key in a full shard takes the slot of that shard's least recently used key, in O(1).
// Forgetting a key whose TAT has passed loses nothing (a missing key and a passed TAT decide
// alike, see gcra.hpp). Forgetting a live key can only make the limit more lenient for that
// key: its next request starts from a full burst. So a flood of distinct addresses costs its
// senders their own state and at worst lets the coldest other clients through early; it never
// denies anyone wrongly and never grows memory. `evictions()` counts both kinds; a steady
// rise means `max_keys` is too small for the traffic.
//
// A key already present costs no allocation: lookups hash the caller's bytes in place, and a
// slot taken from an evicted key reuses that key's buffer when it is long enough. Keys are
// arbitrary bytes; those longer than max_key_size (callers refuse them anyway) are held as
// their first bytes plus a keyed 128-bit digest of the whole, so memory per key stays bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "modules/rate_limit/gcra.hpp"

namespace ferry {

class local_rate_store {
 public:
  static constexpr std::size_t max_key_size = 256;

  // `max_keys` >= 1 (0 is taken as 1); the store never holds more.
  explicit local_rate_store(std::size_t max_keys);
  ~local_rate_store();
  local_rate_store(const local_rate_store&) = delete;
  local_rate_store& operator=(const local_rate_store&) = delete;

  // Applies one request for `key` at `now_ns` (the caller's monotonic clock, in [0, 2^62))
  // and returns gcra_apply's decision. Thread-safe; locks only the key's shard.
  gcra_decision decide(std::string_view key, std::int64_t now_ns, const gcra_policy& policy);

  std::size_t size() const;          // keys held now
  std::size_t capacity() const;      // the most keys ever held (<= max_keys)
  std::uint64_t evictions() const;   // keys forgotten to make room, since construction

 private:
  struct shard;
  std::unique_ptr<shard[]> shards_;
  std::size_t shard_count_ = 0;  // a power of two
  std::uint64_t seed_[4] = {};   // [0..1] index the table; [2..3] digest over-long keys
};

}  // namespace ferry
