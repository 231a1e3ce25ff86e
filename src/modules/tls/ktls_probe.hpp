// Whether this kernel does TLS itself (the "tls" TCP upper-layer protocol), asked once per
// process. Where it does, sessions keep OpenSSL's socket BIO so that kTLS can take over records
// and SSL_sendfile; elsewhere they gather records into one send() (record_gatherer.hpp).
#pragma once

namespace ferry {

bool kernel_offers_ktls();

}  // namespace ferry
