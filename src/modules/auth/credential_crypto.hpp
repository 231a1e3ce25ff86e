// The OpenSSL primitives the credential checks use, behind a small interface so OpenSSL types
// stay in one .cpp: SHA-256, HMAC-SHA256, constant-time comparison and the CSPRNG.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ferry::credential {

using sha256_digest = std::array<unsigned char, 32>;

// False only when OpenSSL fails (then `out` is zeroed).
bool sha256(std::string_view data, sha256_digest& out);
bool hmac_sha256(std::span<const unsigned char> key, std::string_view data, sha256_digest& out);

// Compares in time that depends only on the lengths (CRYPTO_memcmp); lengths are not secret
// where this is used (digests, signatures, crypt(3) output of a known setting).
bool equal_constant_time(std::span<const unsigned char> a, std::span<const unsigned char> b);
bool equal_constant_time(std::string_view a, std::string_view b);
// How many times this thread called equal_constant_time: lets tests check that a lookup
// compares against every stored entry instead of stopping at the first match.
std::uint64_t equal_constant_time_calls();

// RAND_bytes; false when the generator fails.
bool random_bytes(std::span<unsigned char> out);

// OPENSSL_cleanse: a wipe the compiler may not optimise away.
void wipe(void* data, std::size_t length);

}  // namespace ferry::credential
