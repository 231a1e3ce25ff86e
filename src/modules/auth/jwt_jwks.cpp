#include "modules/auth/jwt_jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <memory>

#include "modules/auth/jwt_base64url.hpp"
#include "modules/auth/jwt_json.hpp"

namespace ferry {
namespace {

const unsigned char* bytes(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// The base64url member `name` of `jwk`, decoded; false when absent, not a string or malformed.
bool decoded_member(const json_value& jwk, std::string_view name, std::string& out) {
  const json_value* value = jwk.find(name);
  return value != nullptr && value->is_string() && base64url_decode(value->text, out) &&
         !out.empty();
}

// A public key built from OSSL_PARAMs (the OpenSSL 3 replacement for RSA_set0_key & co).
EVP_PKEY* key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key;
}

EVP_PKEY* rsa_key(const json_value& jwk, std::string& why) {
  std::string n;
  std::string e;
  if (!decoded_member(jwk, "n", n) || !decoded_member(jwk, "e", e)) {
    why = "missing or malformed n or e";
    return nullptr;
  }
  BIGNUM* n_bn = BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr);
  BIGNUM* e_bn = BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  EVP_PKEY* key = nullptr;
  if (n_bn != nullptr && e_bn != nullptr && builder != nullptr &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n_bn) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e_bn) == 1) {
    key = key_from_params("RSA", builder);
  }
  OSSL_PARAM_BLD_free(builder);
  BN_free(n_bn);
  BN_free(e_bn);
  if (key == nullptr) why = "OpenSSL refused the RSA key";
  return key;
}

EVP_PKEY* ec_key(const json_value& jwk, jwt_algorithm algorithm, std::string& why) {
  const bool p256 = algorithm == jwt_algorithm::es256;
  const json_value* crv = jwk.find("crv");
  if (crv == nullptr || !crv->is_string() || crv->text != (p256 ? "P-256" : "P-384")) {
    why = std::string("crv must be ") + (p256 ? "P-256" : "P-384") + " for " +
          std::string(to_string(algorithm));
    return nullptr;
  }
  std::string x;
  std::string y;
  const std::size_t size = digest_size(algorithm);
  // RFC 7518 §6.2.1.2: coordinates are full length, leading zeros kept.
  if (!decoded_member(jwk, "x", x) || !decoded_member(jwk, "y", y) || x.size() != size ||
      y.size() != size) {
    why = "missing or malformed x or y";
    return nullptr;
  }
  const std::string point = std::string(1, '\x04') + x + y;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  EVP_PKEY* key = nullptr;
  if (builder != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME,
                                      p256 ? "prime256v1" : "secp384r1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) == 1) {
    key = key_from_params("EC", builder);
  }
  OSSL_PARAM_BLD_free(builder);
  if (key != nullptr) {
    // The point must be on the curve (invalid-curve attacks); check rather than trust.
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    const bool valid = check != nullptr && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!valid) {
      EVP_PKEY_free(key);
      key = nullptr;
    }
  }
  if (key == nullptr) why = "OpenSSL refused the EC point";
  return key;
}

EVP_PKEY* okp_key(const json_value& jwk, std::string& why) {
  const json_value* crv = jwk.find("crv");
  std::string x;
  if (crv == nullptr || !crv->is_string() || crv->text != "Ed25519") {
    why = "crv must be Ed25519 for EdDSA";
    return nullptr;
  }
  if (!decoded_member(jwk, "x", x) || x.size() != 32) {
    why = "missing or malformed x";
    return nullptr;
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(x), x.size());
  if (key == nullptr) why = "OpenSSL refused the Ed25519 key";
  return key;
}

bool has_private_members(const json_value& jwk) {
  constexpr std::array<std::string_view, 6> names{"d", "p", "q", "dp", "dq", "qi"};
  for (auto name : names) {
    if (jwk.find(name) != nullptr) return true;
  }
  return false;
}

bool allows_verify(const json_value& jwk, std::string& why) {
  if (const json_value* use = jwk.find("use"); use != nullptr) {
    if (!use->is_string() || use->text != "sig") {
      why = "use is not \"sig\"";
      return false;
    }
  }
  if (const json_value* ops = jwk.find("key_ops"); ops != nullptr) {
    bool verify = false;
    if (ops->is_array()) {
      for (const auto& op : ops->items) verify = verify || (op.is_string() && op.text == "verify");
    }
    if (!verify) {
      why = "key_ops does not include \"verify\"";
      return false;
    }
  }
  return true;
}

// One JWK as a key, or false with `why` (the caller turns it into a warning).
bool jwk_key(const json_value& jwk, std::optional<jwt_algorithm> default_algorithm,
             const std::string& origin, jwt_key& out, std::string& why) {
  if (!jwk.is_object()) {
    why = "not a JSON object";
    return false;
  }
  const json_value* kty = jwk.find("kty");
  if (kty == nullptr || !kty->is_string()) {
    why = "no kty";
    return false;
  }
  std::string kid;
  if (const json_value* value = jwk.find("kid"); value != nullptr) {
    if (!value->is_string()) {
      why = "kid is not a string";
      return false;
    }
    kid = value->text;
  }
  std::optional<jwt_algorithm> algorithm = default_algorithm;
  if (const json_value* alg = jwk.find("alg"); alg != nullptr) {
    algorithm = alg->is_string() ? parse_jwt_algorithm(alg->text) : std::nullopt;
    if (!algorithm) {
      why = "unsupported alg";
      return false;
    }
  }
  if (!algorithm) {
    why = "no alg, and no algorithm configured for keys without one";
    return false;
  }
  if (!allows_verify(jwk, why)) return false;
  const std::string name = origin + (kid.empty() ? "" : "#" + kid);
  const jwt_key_family family = key_family(*algorithm);
  const std::string& type = kty->text;
  if (type == "oct") {
    std::string secret;
    if (family != jwt_key_family::hmac) {
      why = "kty oct does not fit " + std::string(to_string(*algorithm));
      return false;
    }
    if (!decoded_member(jwk, "k", secret)) {
      why = "missing or malformed k";
      return false;
    }
    return make_jwt_key_from_secret(secret, *algorithm, kid, name, out, why);
  }
  if (has_private_members(jwk)) {
    why = "contains private key members; publish only the public key";
    return false;
  }
  EVP_PKEY* key = nullptr;
  if (type == "RSA" && family == jwt_key_family::rsa) {
    key = rsa_key(jwk, why);
  } else if (type == "EC" && family == jwt_key_family::ec) {
    key = ec_key(jwk, *algorithm, why);
  } else if (type == "OKP" && family == jwt_key_family::okp) {
    key = okp_key(jwk, why);
  } else {
    why = "kty " + type + " does not fit " + std::string(to_string(*algorithm));
    return false;
  }
  if (key == nullptr) return false;
  return make_jwt_public_key(key, *algorithm, kid, name, out, why);
}

}  // namespace

bool parse_jwks(std::string_view text, std::optional<jwt_algorithm> default_algorithm,
                const std::string& origin, std::vector<jwt_key>& keys,
                std::vector<std::string>& warnings, std::string& error) {
  json_limits limits;
  limits.max_bytes = jwt_max_jwks_bytes;
  limits.max_depth = 4;  // {"keys": [ {... "key_ops": [..]} ]}
  json_value document;
  if (!json_parse(text, limits, document) || !document.is_object()) {
    error = origin + ": not a strict JSON object (or larger than 1 MiB)";
    return false;
  }
  const json_value* list = document.find("keys");
  if (list == nullptr || !list->is_array()) {
    error = origin + ": no \"keys\" array";
    return false;
  }
  std::size_t usable = 0;
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    jwt_key key;
    std::string why;
    if (jwk_key(list->items[i], default_algorithm, origin, key, why)) {
      keys.push_back(std::move(key));
      ++usable;
    } else {
      warnings.push_back(origin + ": key " + std::to_string(i) + " skipped: " + why);
    }
  }
  if (usable == 0) {
    error = origin + ": no usable key";
    return false;
  }
  return true;
}

}  // namespace ferry
