#include "modules/auth/jwt_token_cache.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "modules/auth/credential_crypto.hpp"

namespace ferry {

std::size_t jwt_token_cache::digest_hash::operator()(const digest& value) const {
  // SHA-256 output is uniform: its first bytes are a fine hash.
  std::size_t hash = 0;
  std::memcpy(&hash, value.data(), sizeof hash);
  return hash;
}

jwt_token_cache::jwt_token_cache(std::size_t max_entries, std::chrono::seconds max_ttl)
    : max_entries_(max_entries), max_ttl_(std::max<std::int64_t>(0, max_ttl.count())) {}

bool jwt_token_cache::hash_token(std::string_view token, digest& out) { return credential::sha256(token, out); }

std::shared_ptr<const jwt_claims> jwt_token_cache::find(std::string_view token,
                                                        std::uint64_t generation,
                                                        std::int64_t now) {
  digest key{};
  if (entries_.empty() || !hash_token(token, key)) {
    ++misses_;
    return nullptr;
  }
  const auto found = index_.find(key);
  if (found == index_.end()) {
    ++misses_;
    return nullptr;
  }
  const auto position = found->second;
  if (position->generation != generation || now >= position->expires) {
    index_.erase(found);
    entries_.erase(position);
    ++misses_;
    return nullptr;
  }
  entries_.splice(entries_.begin(), entries_, position);
  ++hits_;
  return position->claims;
}

void jwt_token_cache::insert(std::string_view token, std::uint64_t generation,
                             std::shared_ptr<const jwt_claims> claims,
                             std::optional<std::int64_t> valid_until, std::int64_t now) {
  if (max_entries_ == 0 || max_ttl_ == 0 || !claims) return;
  const std::int64_t ttl_end =
      now > std::numeric_limits<std::int64_t>::max() - max_ttl_ ? std::numeric_limits<std::int64_t>::max() : now + max_ttl_;
  const std::int64_t expires = valid_until ? std::min(*valid_until, ttl_end) : ttl_end;
  if (expires <= now) return;
  digest key{};
  if (!hash_token(token, key)) return;
  if (const auto found = index_.find(key); found != index_.end()) {
    entries_.erase(found->second);
    index_.erase(found);
  }
  while (entries_.size() >= max_entries_) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
  entries_.push_front(entry{key, generation, expires, std::move(claims)});
  index_.emplace(key, entries_.begin());
}

void jwt_token_cache::clear() {
  entries_.clear();
  index_.clear();
}

}  // namespace ferry
