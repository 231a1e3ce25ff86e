// The BIO OpenSSL reads and writes a TLS connection through when ferry moves the bytes itself
// (no kTLS): one for both directions, as SSL_set_fd's socket BIO is - a second BIO would cost
// every connection about 200 bytes (the BIO and its lock). Reads take a staged_reader's bytes
// first and then the socket's; writes go to a record_gatherer.
#pragma once

#include <openssl/bio.h>

#include "modules/tls/record_gatherer.hpp"
#include "modules/tls/staged_reader.hpp"

namespace ferry {

// What the BIO's data points at; it must outlive the BIO.
struct duplex_ends {
  explicit duplex_ends(int fd) : reader(fd), gatherer(fd) {}
  staged_reader reader;
  record_gatherer gatherer;
};

// A BIO over `ends`; null when OpenSSL cannot allocate.
BIO* new_duplex_bio(duplex_ends* ends);

}  // namespace ferry
