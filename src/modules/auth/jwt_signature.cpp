#include "modules/auth/jwt_signature.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <memory>

namespace ferry {
namespace {

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

bool all_zero(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c == '\0'; });
}

// Fixed-length big-endian numbers compare like their byte strings.
bool below(std::string_view value, std::string_view order) {
  return std::lexicographical_compare(
      value.begin(), value.end(), order.begin(), order.end(),
      [](char a, char b) { return static_cast<unsigned char>(a) < static_cast<unsigned char>(b); });
}

bool verify_hmac(const jwt_key& key, std::string_view input, std::string_view signature) {
  const std::size_t expected = digest_size(key.algorithm);
  if (signature.size() != expected || key.secret.empty()) return false;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t mac_length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name(key.algorithm), nullptr, key.secret.data(),
                key.secret.size(), bytes(input), input.size(), mac.data(), mac.size(),
                &mac_length) == nullptr ||
      mac_length != expected) {
    return false;
  }
  // Constant time: the comparison must not reveal how many leading bytes matched.
  return CRYPTO_memcmp(mac.data(), signature.data(), expected) == 0;
}

struct md_ctx_free {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

bool verify_evp(const jwt_key& key, std::string_view input, std::string_view signature) {
  if (!key.public_key) return false;
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  const char* digest = digest_name(key.algorithm);
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit_ex(ctx.get(), &pkey_ctx, *digest != '\0' ? digest : nullptr, nullptr,
                              nullptr, key.public_key.get(), nullptr) != 1) {
    return false;
  }
  switch (key.algorithm) {
    case jwt_algorithm::ps256:
    case jwt_algorithm::ps384:
    case jwt_algorithm::ps512:
      // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
      if (EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md_name(pkey_ctx, digest, nullptr) != 1) {
        return false;
      }
      break;
    case jwt_algorithm::rs256:
    case jwt_algorithm::rs384:
    case jwt_algorithm::rs512:
      if (EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1) return false;
      break;
    default:
      break;
  }
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(input),
                          input.size()) == 1;
}

}  // namespace

bool jose_ecdsa_to_der(std::string_view raw, std::string_view order, std::string& der) {
  der.clear();
  const std::size_t size = order.size();
  if (size == 0 || raw.size() != 2 * size) return false;
  const std::string_view r = raw.substr(0, size);
  const std::string_view s = raw.substr(size);
  if (all_zero(r) || all_zero(s) || !below(r, order) || !below(s, order)) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return false;
  BIGNUM* r_bn = BN_bin2bn(bytes(r), static_cast<int>(size), nullptr);
  BIGNUM* s_bn = BN_bin2bn(bytes(s), static_cast<int>(size), nullptr);
  if (r_bn == nullptr || s_bn == nullptr || ECDSA_SIG_set0(sig, r_bn, s_bn) != 1) {
    BN_free(r_bn);
    BN_free(s_bn);
    ECDSA_SIG_free(sig);
    return false;
  }
  const int length = i2d_ECDSA_SIG(sig, nullptr);
  bool ok = false;
  if (length > 0) {
    der.resize(static_cast<std::size_t>(length));
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    ok = i2d_ECDSA_SIG(sig, &out) == length;
  }
  ECDSA_SIG_free(sig);
  if (!ok) der.clear();
  return ok;
}

bool jwt_verify_signature(const jwt_key& key, std::string_view signing_input,
                          std::string_view signature) {
  if (signature.empty()) return false;
  switch (key_family(key.algorithm)) {
    case jwt_key_family::hmac:
      return verify_hmac(key, signing_input, signature);
    case jwt_key_family::ec: {
      std::string der;
      if (!jose_ecdsa_to_der(signature, key.ec_order, der)) return false;
      return verify_evp(key, signing_input, der);
    }
    case jwt_key_family::rsa:
      if (!key.public_key ||
          signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.public_key.get()))) {
        return false;
      }
      return verify_evp(key, signing_input, signature);
    case jwt_key_family::okp:
      if (signature.size() != 64) return false;
      return verify_evp(key, signing_input, signature);
  }
  return false;
}

}  // namespace ferry

