// The configured verification keys: built once from config values (PEM files, JWKS files,
// secret files or secret bytes), then immutable and shared (std::shared_ptr<const
// jwt_key_set>) by every worker. reload_jwt_key_set re-reads the files when one changed and
// returns a new set; the old one stays valid for whoever still holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/jwt_algorithm.hpp"
#include "modules/auth/jwt_key.hpp"

namespace ferry {

struct jwt_key_source {
  enum class kind {
    public_key_pem,  // `path`: a PEM public key or certificate; `algorithm` required
    jwks_file,       // `path`: a JWKS; `algorithm` optional, used for JWKs without "alg"
    secret_file,     // `path`: the HMAC secret's bytes (one trailing "\n" or "\r\n" dropped)
    secret,          // `secret`: the HMAC secret's bytes themselves
  };
  kind type = kind::public_key_pem;
  std::string path;
  std::string secret;
  std::optional<jwt_algorithm> algorithm;
  std::string kid;  // optional; ignored for jwks_file (each JWK carries its own)
};

// What identifies one version of a key file (stat: device, inode, size, mtime in ns).
struct jwt_file_stamp {
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const jwt_file_stamp&) const = default;
};

class jwt_key_set {
 public:
  // Usually made by load_jwt_key_set; tests may build one directly. `stamps` holds one stamp
  // per source (taken before reading it) or is empty for sets that never reload.
  jwt_key_set(std::vector<jwt_key> keys, std::vector<jwt_key_source> sources = {},
              std::vector<jwt_file_stamp> stamps = {});

  const std::vector<jwt_key>& keys() const { return keys_; }
  const std::vector<jwt_key_source>& sources() const { return sources_; }
  const std::vector<jwt_file_stamp>& stamps() const { return stamps_; }
  // Distinct for every key set made in this process: a token cache remembers it, so a reload
  // (say, a revoked key removed) is never bypassed by a cached verdict.
  std::uint64_t generation() const { return generation_; }

  // The keys a token with this `alg` and optional `kid` may be checked with, at most `limit`,
  // in configuration order. A kid selects the keys carrying that kid; a kid that no key carries
  // falls back to the keys without a kid (which a token could reach anyway by omitting its
  // kid). Without a kid, every key bound to `alg`. Only keys bound to `alg` are returned.
  // `alg_mismatch` is set when the kid matched keys, but none bound to `alg`.
  void candidates(jwt_algorithm alg, const std::string* kid, std::size_t limit,
                  std::vector<const jwt_key*>& out, bool& alg_mismatch) const;

 private:
  std::vector<jwt_key> keys_;
  std::vector<jwt_key_source> sources_;
  std::vector<jwt_file_stamp> stamps_;
  std::uint64_t generation_ = 0;
};

struct jwt_key_set_load {
  std::shared_ptr<const jwt_key_set> keys;  // null when `error` is set (load_jwt_key_set)
  bool changed = false;                     // reload_jwt_key_set: a new set was loaded
  std::string error;                        // "" on success
  std::vector<std::string> warnings;        // skipped JWKs and the like; log them
};

// Loads every source. Any unusable source (unreadable file, bad PEM, key unfit for its
// algorithm, JWKS without a usable key), an empty source list, or two keys with the same kid
// and algorithm fail the whole load: a half-loaded key set would refuse tokens for reasons
// nobody sees at startup.
jwt_key_set_load load_jwt_key_set(const std::vector<jwt_key_source>& sources);

// Re-stats `current`'s files; when none changed, returns `current` with changed == false.
// Otherwise loads them again: on success the new set (changed == true), on failure `current`
// with `error` set, so the caller keeps verifying with the old keys and logs the error.
// A failed reload is retried on the next call.
jwt_key_set_load reload_jwt_key_set(const std::shared_ptr<const jwt_key_set>& current);

jwt_file_stamp stamp_jwt_file(const std::string& path);

}  // namespace ferry
