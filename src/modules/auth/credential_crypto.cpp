#include "modules/auth/credential_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>

namespace ferry::credential {
namespace {

thread_local std::uint64_t compare_calls = 0;

// Fetched once: EVP_sha256() would look the implementation up (under a lock) on every call, and
// hashing a bearer token happens on every request.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

bool sha256(std::string_view data, sha256_digest& out) {
  unsigned int length = 0;
  const EVP_MD* md = sha256_md();
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1 ||
      length != out.size()) {
    out.fill(0);
    return false;
  }
  return true;
}

bool hmac_sha256(std::span<const unsigned char> key, std::string_view data, sha256_digest& out) {
  unsigned int length = 0;
  if (key.size() > static_cast<std::size_t>(INT_MAX) ||
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out.data(), &length) == nullptr ||
      length != out.size()) {
    out.fill(0);
    return false;
  }
  return true;
}

bool equal_constant_time(std::span<const unsigned char> a, std::span<const unsigned char> b) {
  ++compare_calls;
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  ++compare_calls;
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::uint64_t equal_constant_time_calls() { return compare_calls; }

bool random_bytes(std::span<unsigned char> out) {
  if (out.size() > static_cast<std::size_t>(INT_MAX)) return false;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

void wipe(void* data, std::size_t length) { OPENSSL_cleanse(data, length); }

}  // namespace ferry::credential
