// Builds the server SSL_CTX for one configured certificate: protocol floor, ciphers, options,
// modes, tickets, client verification, SNI/ALPN callbacks, and the certificate chain with its
// key (checked to match). Every context of one configuration is set up identically except for
// the certificate, because SNI switches a handshake from the default context to another.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "modules/tls/certificate_set.hpp"
#include "modules/tls/tls_config.hpp"

namespace ferry {

// Null with `error` set (naming the file and OpenSSL's reason) when something fails to load.
std::shared_ptr<const served_certificate> build_served_certificate(const tls_config& config, std::size_t index,
                                                                   std::string& error);

}  // namespace ferry
