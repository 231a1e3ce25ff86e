#include "modules/tls/ssl_ctx_builder.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <string_view>

#include "modules/tls/certificate_names.hpp"
#include "modules/tls/handshake_callbacks.hpp"
#include "modules/tls/record_buffers.hpp"
#include "modules/tls/tls_config.hpp"

namespace ferry {
namespace {

constexpr std::string_view session_context = "ferry";

// An encrypted key must fail to load, never prompt on the terminal of a daemon.
int refuse_password(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

// OpenSSL's reason for the last failure, then an empty queue.
std::string openssl_reason() {
  std::string reason;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    const char* short_reason = ERR_reason_error_string(code);
    reason = short_reason != nullptr ? short_reason : text.data();
  }
  return reason.empty() ? "unknown error" : reason;
}

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

struct pkey_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct bio_free {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

bool configure_protocol(SSL_CTX* ctx, const tls_config& config) {
  const int floor = config.min_version == tls_min_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, floor) != 1) return false;
  std::uint64_t options = SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA | SSL_OP_NO_RENEGOTIATION |
                          SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_KTLS;
  if (!config.session_tickets) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);
  // Writes may complete record by record (PARTIAL_WRITE) from a buffer that moved between
  // retries. Idle connections give their record buffers back: the core says when
  // (record_buffers.hpp), or OpenSSL after every record where that is not safe.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            (release_buffers_by_hand() ? 0 : SSL_MODE_RELEASE_BUFFERS));
  // Resumption only through stateless tickets: no per-process session cache to lock or grow.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(session_context.data()),
                                     static_cast<unsigned int>(session_context.size())) != 1) {
    return false;
  }
  if (config.session_tickets) {
    install_ticket_callback(ctx);
    // A ticket outlives its key by at most one rotation; tell clients not to keep it longer.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(2 * config.ticket_key_lifetime);
    SSL_CTX_set_timeout(ctx, static_cast<long>(seconds.count()));
  } else {
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  SSL_CTX_set_dh_auto(ctx, 1);  // only matters if the cipher list names DHE
  install_sni_and_alpn_callbacks(ctx);
  SSL_CTX_set_default_passwd_cb(ctx, refuse_password);
  return SSL_CTX_set_cipher_list(ctx, config.ciphers.c_str()) == 1 &&
         SSL_CTX_set_ciphersuites(ctx, config.ciphersuites.c_str()) == 1;
}

bool load_crls(X509_STORE* store, const std::string& path, std::string& error) {
  const std::unique_ptr<BIO, bio_free> file(BIO_new_file(path.c_str(), "r"));
  if (!file) {
    error = "tls.crl: cannot open " + quoted(path) + ": " + openssl_reason();
    return false;
  }
  int count = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(file.get(), nullptr, refuse_password, nullptr)) {
    const int added = X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    if (added != 1) {
      error = "tls.crl: cannot use a CRL from " + quoted(path) + ": " + openssl_reason();
      return false;
    }
    ++count;
  }
  const unsigned long last = ERR_peek_last_error();
  if (count > 0 && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();  // the normal end of the file
  } else if (count == 0 || last != 0) {
    error = "tls.crl: no CRL could be read from " + quoted(path) + ": " + openssl_reason();
    return false;
  }
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return true;
}

bool configure_client_auth(SSL_CTX* ctx, const tls_config& config, std::string& error) {
  if (config.client_auth == tls_client_auth::off) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return true;
  }
  if (SSL_CTX_load_verify_locations(ctx, config.client_ca.c_str(), nullptr) != 1) {
    error = "tls.client_ca: cannot load CA certificates from " + quoted(config.client_ca) + ": " +
            openssl_reason();
    return false;
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca.c_str());
  if (names == nullptr) {
    error = "tls.client_ca: no CA certificate in " + quoted(config.client_ca) + ": " + openssl_reason();
    return false;
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify_depth(ctx, config.verify_depth);
  if (!config.crl.empty() && !load_crls(SSL_CTX_get_cert_store(ctx), config.crl, error)) return false;
  if (config.client_auth == tls_client_auth::required) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_client_certificate);
  }
  return true;
}

bool load_certificate(SSL_CTX* ctx, const tls_certificate_config& entry, const std::string& where,
                      std::string& error) {
  if (SSL_CTX_use_certificate_chain_file(ctx, entry.cert.c_str()) != 1) {
    error = where + ": cannot load the certificate chain from " + quoted(entry.cert) + ": " + openssl_reason();
    return false;
  }
  const std::unique_ptr<BIO, bio_free> file(BIO_new_file(entry.key.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, pkey_free> key;
  if (file) key.reset(PEM_read_bio_PrivateKey(file.get(), nullptr, refuse_password, nullptr));
  if (!key) {
    error = where + ": cannot load the private key from " + quoted(entry.key) +
            " (PEM, not encrypted): " + openssl_reason();
    return false;
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf == nullptr || X509_check_private_key(leaf, key.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    error = where + ": the private key in " + quoted(entry.key) + " does not match the certificate in " +
            quoted(entry.cert);
    return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const served_certificate> build_served_certificate(const tls_config& config, std::size_t index,
                                                                   std::string& error) {
  ERR_clear_error();
  const tls_certificate_config& entry = config.certificates.at(index);
  const std::string where = "tls.certificates[" + std::to_string(index) + "]";
  auto served = std::make_shared<served_certificate>();
  served->cert_stamp = stamp_file(entry.cert);
  served->key_stamp = stamp_file(entry.key);
  served->ctx.reset(SSL_CTX_new(TLS_server_method()));
  if (!served->ctx || !configure_protocol(served->ctx.get(), config)) {
    error = "tls: cannot set up an OpenSSL context: " + openssl_reason();
    return nullptr;
  }
  if (!configure_client_auth(served->ctx.get(), config, error)) return nullptr;
  if (!load_certificate(served->ctx.get(), entry, where, error)) return nullptr;
  served->names = entry.names.empty() ? certificate_dns_names(SSL_CTX_get0_certificate(served->ctx.get()))
                                      : entry.names;
  ERR_clear_error();
  return served;
}

}  // namespace ferry
