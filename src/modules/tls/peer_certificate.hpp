// What a client certificate says, for the auth layer: RFC 2253 subject and subjectAltName
// DNS, URI and e-mail entries. The certificate may be unverified (client_auth = "optional"),
// so entries with bytes outside printable ASCII are left out rather than passed on.
#pragma once

#include <openssl/types.h>

#include "modules/secure_transport.hpp"

namespace ferry {

void describe_client_certificate(X509* certificate, tls_peer_info& out);

}  // namespace ferry
