#include "modules/rate_limit/local_rate_store.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace ferry {
namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t max_shards = 64;
constexpr std::size_t first_bucket_count = 16;

std::uint64_t rotl(std::uint64_t x, int bits) { return (x << bits) | (x >> (64 - bits)); }

// SipHash-2-4 (Aumasson and Bernstein), a keyed hash whose outputs an attacker who does not
// know the key cannot steer: the usual defence of hash tables fed by the network.
struct sip_state {
  std::uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::string_view bytes) {
  sip_state s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
              k1 ^ 0x7465646279746573ULL};
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t whole = bytes.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) s.absorb(load_le64(p + i));
  std::uint64_t last = static_cast<std::uint64_t>(bytes.size() & 0xff) << 56;
  for (std::size_t i = bytes.size() - whole; i > 0; --i) {
    last |= static_cast<std::uint64_t>(p[whole + i - 1]) << (8 * (i - 1));
  }
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::size_t floor_power_of_two(std::size_t n) {
  std::size_t power = 1;
  while (power <= n / 2) power *= 2;
  return power;
}

std::size_t ceil_power_of_two(std::size_t n) {
  std::size_t power = 1;
  while (power < n) power *= 2;
  return power;
}

// A key too long to hold as is: its first bytes, then two independent keyed digests of the
// whole. max_key_size + 1 bytes, longer than any key held as is, so the two kinds never meet.
constexpr std::size_t compact_key_size = local_rate_store::max_key_size + 1;
constexpr std::size_t compact_head_size = compact_key_size - 16;

std::string_view compact_key(std::string_view key, const std::uint64_t (&seed)[4],
                             std::array<char, compact_key_size>& buffer) {
  std::memcpy(buffer.data(), key.data(), compact_head_size);
  const std::uint64_t digests[2] = {siphash24(seed[2], seed[3], key),
                                    siphash24(seed[3], seed[2] ^ 0x5bd1e9955bd1e995ULL, key)};
  std::memcpy(buffer.data() + compact_head_size, digests, sizeof digests);
  return {buffer.data(), buffer.size()};
}

}  // namespace

// Entries live in a vector that grows to the shard's capacity and is then recycled in place;
// hash chains and the LRU order are 32-bit indices into it, so a full shard allocates nothing.
struct alignas(64) local_rate_store::shard {
  struct entry {
    std::string key;
    std::uint64_t hash = 0;
    std::int64_t tat = 0;
    std::uint32_t chain_next = none;
    std::uint32_t lru_prev = none;  // towards the most recently used
    std::uint32_t lru_next = none;  // towards the least recently used
  };

  mutable std::mutex mutex;
  std::vector<entry> entries;
  std::vector<std::uint32_t> buckets;  // chain heads, a power of two in count
  std::size_t capacity = 0;
  std::size_t max_buckets = 0;
  std::uint32_t lru_head = none;  // most recently used
  std::uint32_t lru_tail = none;  // least recently used: evicted first
  std::uint64_t evictions = 0;

  std::uint32_t& bucket_of(std::uint64_t hash) { return buckets[hash & (buckets.size() - 1)]; }

  std::uint32_t find(std::uint64_t hash, std::string_view key) {
    for (std::uint32_t i = bucket_of(hash); i != none; i = entries[i].chain_next) {
      if (entries[i].hash == hash && entries[i].key == key) return i;
    }
    return none;
  }

  void lru_unlink(std::uint32_t i) {
    entry& e = entries[i];
    if (e.lru_prev != none) {
      entries[e.lru_prev].lru_next = e.lru_next;
    } else {
      lru_head = e.lru_next;
    }
    if (e.lru_next != none) {
      entries[e.lru_next].lru_prev = e.lru_prev;
    } else {
      lru_tail = e.lru_prev;
    }
    e.lru_prev = e.lru_next = none;
  }

  void lru_push_front(std::uint32_t i) {
    entry& e = entries[i];
    e.lru_prev = none;
    e.lru_next = lru_head;
    if (lru_head != none) entries[lru_head].lru_prev = i;
    lru_head = i;
    if (lru_tail == none) lru_tail = i;
  }

  void touch(std::uint32_t i) {
    if (lru_head == i) return;
    lru_unlink(i);
    lru_push_front(i);
  }

  void chain_unlink(std::uint32_t i) {
    std::uint32_t* link = &bucket_of(entries[i].hash);
    while (*link != i) link = &entries[*link].chain_next;
    *link = entries[i].chain_next;
    entries[i].chain_next = none;
  }

  void chain_link(std::uint32_t i) {
    std::uint32_t& head = bucket_of(entries[i].hash);
    entries[i].chain_next = head;
    head = i;
  }

  // Keeps chains about one entry long while the shard fills; the final size is reached once.
  void grow_buckets_for(std::size_t count) {
    if (count <= buckets.size() || buckets.size() >= max_buckets) return;
    buckets.assign(std::min(buckets.size() * 2, max_buckets), none);
    for (std::size_t i = 0; i < entries.size(); ++i) chain_link(static_cast<std::uint32_t>(i));
  }

  // A slot for a key not present: a fresh one while below capacity, else the LRU key's.
  std::uint32_t insert(std::uint64_t hash, std::string_view key) {
    std::uint32_t i;
    if (entries.size() < capacity) {
      grow_buckets_for(entries.size() + 1);
      entries.emplace_back();
      i = static_cast<std::uint32_t>(entries.size() - 1);
    } else {
      i = lru_tail;
      chain_unlink(i);
      lru_unlink(i);
      ++evictions;
    }
    entry& e = entries[i];
    e.key.assign(key.data(), key.size());
    e.hash = hash;
    e.tat = 0;
    chain_link(i);
    lru_push_front(i);
    return i;
  }
};

local_rate_store::local_rate_store(std::size_t max_keys) {
  if (max_keys == 0) max_keys = 1;
  shard_count_ = floor_power_of_two(std::min(max_keys, max_shards));
  // Indices are 32-bit; a shard never needs more (that would be 2^38 keys in all).
  const std::size_t per_shard =
      std::min<std::size_t>(max_keys / shard_count_, std::numeric_limits<std::uint32_t>::max() - 1);
  shards_ = std::make_unique<shard[]>(shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shard& s = shards_[i];
    s.capacity = per_shard;
    s.max_buckets = ceil_power_of_two(per_shard);
    s.buckets.assign(std::min(first_bucket_count, s.max_buckets), none);
  }
  std::random_device random;
  for (std::uint64_t& word : seed_) {
    word = (static_cast<std::uint64_t>(random()) << 32) ^ static_cast<std::uint64_t>(random());
  }
}

local_rate_store::~local_rate_store() = default;

gcra_decision local_rate_store::decide(std::string_view key, std::int64_t now_ns,
                                       const gcra_policy& policy) {
  std::array<char, compact_key_size> buffer;
  if (key.size() > max_key_size) key = compact_key(key, seed_, buffer);
  const std::uint64_t hash = siphash24(seed_[0], seed_[1], key);
  // The top bits pick the shard, the low bits the bucket: independent for any table size.
  shard& s = shards_[(hash >> 56) & (shard_count_ - 1)];
  const std::lock_guard lock(s.mutex);
  std::uint32_t i = s.find(hash, key);
  if (i == none) {
    i = s.insert(hash, key);
  } else {
    s.touch(i);
  }
  return gcra_apply(s.entries[i].tat, now_ns, policy);
}

std::size_t local_rate_store::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].entries.size();
  }
  return total;
}

std::size_t local_rate_store::capacity() const { return shard_count_ * shards_[0].capacity; }

std::uint64_t local_rate_store::evictions() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].evictions;
  }
  return total;
}

}  // namespace ferry
