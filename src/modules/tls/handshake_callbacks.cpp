#include "modules/tls/handshake_callbacks.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>
#include <string>

#include "modules/tls/certificate_set.hpp"

namespace ferry {
namespace {

tls_binding* binding_of(SSL* ssl) {
  return static_cast<tls_binding*>(SSL_get_ex_data(ssl, tls_binding_index()));
}

int select_certificate(SSL* ssl, int* alert, void* /*arg*/) {
  tls_binding* binding = binding_of(ssl);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (binding == nullptr || name == nullptr) return SSL_TLSEXT_ERR_OK;  // default certificate
  const std::size_t index = binding->certificates->select(name);
  if (index == 0) return SSL_TLSEXT_ERR_OK;
  if (SSL_set_SSL_CTX(ssl, binding->certificates->certificates[index]->ctx.get()) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  binding->selected = index;
  return SSL_TLSEXT_ERR_OK;
}

// Server preference: the first of our protocols that the client lists. `in` is the client's
// length-prefixed list; a malformed entry ends the scan.
int select_protocol(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                    unsigned int in_length, void* /*arg*/) {
  const tls_binding* binding = binding_of(ssl);
  if (binding == nullptr) return SSL_TLSEXT_ERR_ALERT_FATAL;
  for (const std::string& protocol : binding->certificates->alpn_protocols) {
    unsigned int at = 0;
    while (at < in_length) {
      const unsigned int length = in[at];
      if (length == 0 || length > in_length - at - 1) break;
      if (length == protocol.size() && std::memcmp(in + at + 1, protocol.data(), length) == 0) {
        *out = in + at + 1;
        *out_length = static_cast<unsigned char>(length);
        return SSL_TLSEXT_ERR_OK;
      }
      at += 1 + length;
    }
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
}

bool set_mac_key(EVP_MAC_CTX* mac, ticket_key& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac_key.data(), key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

// Returns 1 (ok), 2 (decrypted with the previous key: issue a fresh ticket), 0 (no ticket /
// unknown key: full handshake), -1 (error).
int seal_ticket(SSL* ssl, unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                int encrypt) {
  const tls_binding* binding = binding_of(ssl);
  if (binding == nullptr || !binding->certificates->tickets) return 0;
  ticket_key_ring& ring = *binding->certificates->tickets;
  ticket_key key;
  int result = 0;
  if (encrypt == 1) {
    const int iv_length = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
    if (ring.encryption_key(key) && RAND_bytes(iv, iv_length) == 1 &&
        EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) == 1 &&
        set_mac_key(mac, key)) {
      std::memcpy(key_name, key.name.data(), key.name.size());
      result = 1;
    }
  } else {
    const ticket_key_ring::match match = ring.decryption_key(key_name, key);
    if (match != ticket_key_ring::match::none) {
      result = EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) == 1 &&
                       set_mac_key(mac, key)
                   ? (match == ticket_key_ring::match::previous ? 2 : 1)
                   : -1;
    }
  }
  OPENSSL_cleanse(&key, sizeof key);
  return result;
}

}  // namespace

void install_sni_and_alpn_callbacks(SSL_CTX* ctx) {
  // The macro SSL_CTX_set_tlsext_servername_callback casts C-style; this is what it expands to.
  SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, reinterpret_cast<void (*)()>(select_certificate));
  SSL_CTX_set_alpn_select_cb(ctx, select_protocol, nullptr);
}

void install_ticket_callback(SSL_CTX* ctx) { SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, seal_ticket); }

int accept_any_client_certificate(int /*preverify_ok*/, X509_STORE_CTX* /*store*/) { return 1; }

}  // namespace ferry
