#include "modules/auth/jwt_token_cache.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <span>

#include "modules/auth/credential_crypto.hpp"

namespace ferry {
namespace {

// Odd 64-bit constants for the multiplications (any odd value makes them bijective; these
// have well-spread bits).
constexpr std::uint64_t lane_multiplier = 0x9fb21c651e98df25ULL;
constexpr std::uint64_t final_multiplier = 0xd6e8feb86659fd93ULL;
constexpr std::array<std::uint64_t, 4> lane_offsets = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL,
                                                       0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL};

std::uint64_t load_word(const char* bytes) {
  std::uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

constexpr std::uint64_t rotate_left(std::uint64_t value, unsigned bits) {
  return (value << bits) | (value >> (64U - bits));
}

// One word into one lane: for a fixed lane state this is a bijection of the word, and for a
// fixed word a bijection of the state, so two tokens that differ in one lane's words keep
// different lane states to the end.
constexpr std::uint64_t absorb(std::uint64_t lane, std::uint64_t word) {
  return rotate_left(lane ^ word, 23) * lane_multiplier;
}

// A keyed, non-cryptographic 64-bit hash: four independent lanes over 32-byte blocks, so that
// the multiplications overlap (tokens are hundreds of bytes and arrive on every request).
// Collisions only cost a miss (the entry's bytes are compared), so it needs to spread tokens
// over the buckets, not to resist forgery; the random seed keeps bucket placement unknown to
// clients all the same.
std::uint64_t keyed_hash(std::string_view data, std::uint64_t seed) {
  std::array<std::uint64_t, 4> lanes{};
  for (std::size_t i = 0; i < lanes.size(); ++i) lanes[i] = seed ^ lane_offsets[i];
  const char* p = data.data();
  std::size_t left = data.size();
  while (left >= 32) {
    for (std::size_t i = 0; i < lanes.size(); ++i) lanes[i] = absorb(lanes[i], load_word(p + 8 * i));
    p += 32;
    left -= 32;
  }
  std::size_t lane = 0;
  while (left >= 8) {
    lanes[lane] = absorb(lanes[lane], load_word(p));
    ++lane;
    p += 8;
    left -= 8;
  }
  if (left > 0) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, p, left);
    lanes[lane] = absorb(lanes[lane], tail);
  }
  std::uint64_t h = (seed + data.size()) * final_multiplier;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    h = (h ^ rotate_left(lanes[i], static_cast<unsigned>(11 * i + 7))) * final_multiplier;
  }
  h ^= h >> 31;
  h *= lane_multiplier;
  h ^= h >> 29;
  return h;
}

std::uint64_t random_seed(const void* self) {
  std::array<unsigned char, 8> bytes{};
  std::uint64_t seed = 0;
  if (credential::random_bytes(std::span<unsigned char>(bytes))) {
    std::memcpy(&seed, bytes.data(), sizeof seed);
  } else {
    // No CSPRNG: still differs per cache and per run, which is all the seed is for.
    seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
           static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(self));
  }
  return seed;
}

}  // namespace

jwt_token_cache::jwt_token_cache(std::size_t max_entries, std::chrono::seconds max_ttl)
    : max_entries_(max_entries), max_ttl_(std::max<std::int64_t>(0, max_ttl.count())), seed_(random_seed(this)) {}

std::uint64_t jwt_token_cache::hash_of(std::string_view token) const {
  return constant_hash_ ? 0 : keyed_hash(token, seed_);
}

jwt_token_cache::entry* jwt_token_cache::live_entry(std::string_view token, std::uint64_t generation,
                                                    std::int64_t now) {
  if (entries_.empty()) return nullptr;
  const auto found = index_.find(hash_of(token));
  if (found == index_.end()) return nullptr;
  const auto position = found->second;
  // An ordinary comparison, not a constant-time one: it runs only when the presented token's
  // secretly seeded hash equals that of a token which verified, so its timing cannot be used to
  // learn a stored token byte by byte (each guess would first have to hit that hash), and all
  // it could confirm is what a hit's speed shows anyway: that this exact token verified before.
  if (position->token != token) return nullptr;
  if (position->generation != generation || now >= position->expires) {
    index_.erase(found);
    entries_.erase(position);
    return nullptr;
  }
  entries_.splice(entries_.begin(), entries_, position);
  return &*position;
}

std::shared_ptr<const jwt_claims> jwt_token_cache::find(std::string_view token, std::uint64_t generation,
                                                        std::int64_t now) {
  entry* e = live_entry(token, generation, now);
  if (e == nullptr) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return e->value.claims;
}

jwt_token_cache::cached_token* jwt_token_cache::lookup(std::string_view token, std::uint64_t generation,
                                                       std::int64_t now) {
  entry* e = live_entry(token, generation, now);
  if (e == nullptr) return nullptr;
  ++hits_;
  return &e->value;
}

void jwt_token_cache::insert(std::string_view token, std::uint64_t generation,
                             std::shared_ptr<const jwt_claims> claims,
                             std::optional<std::int64_t> valid_until, std::int64_t now) {
  if (max_entries_ == 0 || max_ttl_ == 0 || !claims) return;
  const std::int64_t ttl_end =
      now > std::numeric_limits<std::int64_t>::max() - max_ttl_ ? std::numeric_limits<std::int64_t>::max() : now + max_ttl_;
  const std::int64_t expires = valid_until ? std::min(*valid_until, ttl_end) : ttl_end;
  if (expires <= now) return;
  const std::uint64_t hash = hash_of(token);
  // The same token stored again, or another one with the same hash: the newer one replaces it.
  if (const auto found = index_.find(hash); found != index_.end()) {
    entries_.erase(found->second);
    index_.erase(found);
  }
  while (entries_.size() >= max_entries_) {
    index_.erase(entries_.back().hash);
    entries_.pop_back();
  }
  entries_.push_front(entry{std::string(token), hash, generation, expires, cached_token{std::move(claims), nullptr}});
  index_.emplace(hash, entries_.begin());
}

void jwt_token_cache::clear() {
  entries_.clear();
  index_.clear();
}

void jwt_token_cache::collide_all_hashes_for_testing() {
  clear();
  constant_hash_ = true;
}

}  // namespace ferry
