// The OpenSSL callbacks a handshake runs through: SNI picks the certificate, ALPN picks the
// protocol, session tickets are sealed with the ticket_key_ring, and optional client
// authentication lets a failed verification through for the auth layer to judge.
// They find their state in the SSL's tls_binding, never in globals.
#pragma once

#include <openssl/ssl.h>

namespace ferry {

void install_sni_and_alpn_callbacks(SSL_CTX* ctx);
void install_ticket_callback(SSL_CTX* ctx);
// SSL_verify_cb that accepts every chain; the result stays in SSL_get_verify_result.
int accept_any_client_certificate(int preverify_ok, X509_STORE_CTX* store);

}  // namespace ferry
