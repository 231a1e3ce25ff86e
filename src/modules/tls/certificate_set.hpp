// The certificates one configuration serves, each with its own SSL_CTX, as an immutable
// snapshot. A reload builds a new snapshot; sessions hold the one they started with, so a
// reload never changes a handshake in flight.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modules/tls/file_stamp.hpp"
#include "modules/tls/ticket_keys.hpp"

namespace ferry {

struct ssl_ctx_free {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_free>;

struct served_certificate {
  ssl_ctx_ptr ctx;                 // server context presenting this certificate
  std::vector<std::string> names;  // lower-case host names or "*.suffix" patterns
  file_stamp cert_stamp;
  file_stamp key_stamp;
};

struct certificate_set {
  std::vector<std::shared_ptr<const served_certificate>> certificates;  // [0]: the default
  std::vector<std::string> alpn_protocols;   // server preference order
  std::shared_ptr<ticket_key_ring> tickets;  // null: session tickets off
  file_stamp client_ca_stamp;
  file_stamp crl_stamp;

  // The certificate for an SNI name: the first with an exact name, else the first with a
  // matching wildcard, else the default (0).
  std::size_t select(std::string_view server_name) const;
};

// What the handshake callbacks find in the SSL's ex_data: the session's snapshot and the
// certificate the SNI callback chose.
struct tls_binding {
  std::shared_ptr<const certificate_set> certificates;
  std::size_t selected = 0;
};

// The SSL ex_data slot holding a tls_binding*.
int tls_binding_index();

}  // namespace ferry
