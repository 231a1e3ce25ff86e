// API keys: the server stores only SHA-256 hashes of the keys; a presented key is hashed and
// compared against every stored hash in constant time.
//
// Why a lookup does not tell an attacker which keys exist: the presented key K is hashed first,
// so whatever is compared is SHA-256(K), which the attacker cannot steer towards a stored hash.
// The comparison then walks *every* entry with CRYPTO_memcmp (no early exit, no index keyed
// by the hash), so the time taken depends only on the number of keys, not on whether or where
// K matched or how many leading bytes agreed. What differs after the walk (expiry check,
// filling the result) only reveals what the response reveals anyway: valid or not.
// The cost is one 32-byte comparison per stored key (~10 ns each): fine up to tens of
// thousands of keys.
//
// Unsalted SHA-256 is right for keys with 256 bits of entropy (generate_api_key) and wrong
// for passwords: keys chosen by humans belong in htpasswd.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/credential_crypto.hpp"
#include "modules/auth/credential_result.hpp"

namespace ferry {

// A presented key longer than this is refused before hashing.
inline constexpr std::size_t max_api_key_length = 512;

// One key as the config or the keys file gives it; make_api_key_set validates it.
struct api_key_entry {
  std::string id;                  // 1..128 of [A-Za-z0-9._:@+-]; unique in the set
  std::string hash;                // "sha256:" then 64 lower-case hex digits: hash_api_key(key)
  std::vector<std::string> roles;  // each 1..64 of [A-Za-z0-9._:-], no duplicates; may be empty
  std::string expires;             // "" = never; Unix seconds or RFC 3339 (credential_time.hpp)
  std::string origin;              // where it was written, for errors: "ferry.toml:12", "keys:3"
};

struct api_key_set_result;

class api_key_set {
 public:
  // `presented` is the key as sent; `now` is Unix seconds (the caller's clock). The key is
  // refused from `expires` on (expired at now >= expires).
  // Verdicts: ok, malformed (empty, too long, not visible ASCII), unknown, expired, error.
  credential_result check(std::string_view presented, std::int64_t now) const;

  std::size_t size() const { return keys_.size(); }

 private:
  friend api_key_set_result make_api_key_set(std::vector<api_key_entry> entries);
  struct stored_key {
    credential::sha256_digest digest{};
    std::optional<std::int64_t> expires;
    credential_principal principal;
  };
  std::vector<stored_key> keys_;
};

struct api_key_set_result {
  std::shared_ptr<const api_key_set> set;  // null when there were errors
  std::vector<std::string> errors;         // "origin: what is wrong", never a key or hash value
};

// Validates every entry (all problems reported, not just the first): id and role syntax,
// hash form, expiry form, unique ids, unique hashes (two ids for one key would be ambiguous).
api_key_set_result make_api_key_set(std::vector<api_key_entry> entries);

// The stored form of `key`: "sha256:" + lower-case hex of SHA-256 over the key's bytes exactly
// as sent (same as `printf %s KEY | sha256sum`). For `ferry hash-key`. "" if OpenSSL fails.
std::string hash_api_key(std::string_view key);

// A new key: 32 bytes from RAND_bytes, base64url without padding (43 characters). For
// `ferry generate-key`. "" when the random generator fails.
std::string generate_api_key();

}  // namespace ferry
