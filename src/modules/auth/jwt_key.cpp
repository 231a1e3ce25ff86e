#include "modules/auth/jwt_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>

namespace ferry {
namespace {

struct pkey_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// The order of the curve named by `nid`, big-endian, padded to `size` bytes.
bool curve_order(int nid, std::size_t size, std::string& out) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  if (group == nullptr) return false;
  out.assign(size, '\0');
  const BIGNUM* order = EC_GROUP_get0_order(group);
  const bool ok = order != nullptr &&
                  BN_bn2binpad(order, reinterpret_cast<unsigned char*>(out.data()),
                               static_cast<int>(size)) == static_cast<int>(size);
  EC_GROUP_free(group);
  return ok;
}

std::string group_name(EVP_PKEY* key) {
  std::array<char, 64> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                     &length) != 1) {
    return {};
  }
  return std::string(name.data(), length);
}

}  // namespace

bool make_jwt_public_key(EVP_PKEY* raw_key, jwt_algorithm algorithm, std::string kid,
                         std::string origin, jwt_key& out, std::string& error) {
  pkey_ptr key(raw_key);
  if (!key) {
    error = origin + ": no key";
    return false;
  }
  const std::string alg(to_string(algorithm));
  switch (key_family(algorithm)) {
    case jwt_key_family::hmac:
      error = origin + ": " + alg + " needs a shared secret, not a public key";
      return false;
    case jwt_key_family::rsa:
      if (EVP_PKEY_is_a(key.get(), "RSA") != 1) {
        error = origin + ": " + alg + " needs an RSA key";
        return false;
      }
      if (EVP_PKEY_get_bits(key.get()) < jwt_min_rsa_bits) {
        error = origin + ": RSA keys shorter than 2048 bits are refused";
        return false;
      }
      break;
    case jwt_key_family::ec: {
      const bool p256 = algorithm == jwt_algorithm::es256;
      if (EVP_PKEY_is_a(key.get(), "EC") != 1 ||
          group_name(key.get()) != (p256 ? "prime256v1" : "secp384r1")) {
        error = origin + ": " + alg + " needs an EC key on " + (p256 ? "P-256" : "P-384");
        return false;
      }
      if (!curve_order(p256 ? NID_X9_62_prime256v1 : NID_secp384r1, digest_size(algorithm),
                       out.ec_order)) {
        error = origin + ": cannot read the curve order";
        return false;
      }
      break;
    }
    case jwt_key_family::okp:
      if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
        error = origin + ": EdDSA needs an Ed25519 key";
        return false;
      }
      break;
  }
  out.algorithm = algorithm;
  out.kid = std::move(kid);
  out.public_key = std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
  out.secret.clear();
  out.origin = std::move(origin);
  return true;
}

bool make_jwt_key_from_pem(std::string_view pem, jwt_algorithm algorithm, std::string kid,
                           std::string origin, jwt_key& out, std::string& error) {
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    error = origin + ": a private key is refused; give the public key (openssl pkey -pubout)";
    return false;
  }
  const bool certificate = pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos;
  if (!certificate && pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
    error = origin + ": expected a PEM \"PUBLIC KEY\" or \"CERTIFICATE\"";
    return false;
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) {
    error = origin + ": out of memory";
    return false;
  }
  EVP_PKEY* key = nullptr;
  if (certificate) {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (cert != nullptr) key = X509_get_pubkey(cert);
    X509_free(cert);
  } else {
    key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  }
  BIO_free(bio);
  if (key == nullptr) {
    error = origin + ": cannot parse the PEM key";
    return false;
  }
  return make_jwt_public_key(key, algorithm, std::move(kid), std::move(origin), out, error);
}

bool make_jwt_key_from_secret(std::string_view secret, jwt_algorithm algorithm, std::string kid,
                              std::string origin, jwt_key& out, std::string& error) {
  if (key_family(algorithm) != jwt_key_family::hmac) {
    error = origin + ": a shared secret can only be used for HS256, HS384 or HS512, not " +
            std::string(to_string(algorithm));
    return false;
  }
  // A PEM block as a secret is the setup of the classic algorithm-confusion attack (the RSA
  // public key's bytes used as an HMAC secret): refuse it outright.
  if (secret.find("-----BEGIN") != std::string_view::npos) {
    error = origin + ": a PEM block cannot be an HMAC secret";
    return false;
  }
  if (secret.size() < digest_size(algorithm)) {
    error = origin + ": a " + std::string(to_string(algorithm)) + " secret needs at least " +
            std::to_string(digest_size(algorithm)) + " bytes";
    return false;
  }
  out.algorithm = algorithm;
  out.kid = std::move(kid);
  out.public_key.reset();
  out.secret.assign(secret);
  out.ec_order.clear();
  out.origin = std::move(origin);
  return true;
}

}  // namespace ferry
