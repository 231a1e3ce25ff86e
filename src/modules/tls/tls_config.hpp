// The [tls] table as plain values, read once at start-up. Runtime code sees the SSL_CTX built
// from this, never TOML. Source positions are kept only so that problems found while loading
// certificate files can name the line that configured them.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/listener_config.hpp"

namespace ferry {

class config_error_sink;

enum class tls_min_version : unsigned char { tls1_2, tls1_3 };
enum class tls_client_auth : unsigned char { off, optional, required };

// ECDHE key exchange with AEAD ciphers only (no CBC, no static RSA, no DHE).
inline constexpr const char* tls_default_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* tls_default_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

struct tls_certificate_config {
  std::string cert;                // PEM file: leaf first, then intermediates
  std::string key;                 // PEM private key (unencrypted)
  std::vector<std::string> names;  // lower-case; empty: the certificate's DNS SANs (or CN)
  toml::source_region where;       // the [[tls.certificates]] entry, for messages
};

struct tls_config {
  std::vector<listener_config> listen;
  // Plaintext listeners that answer every request with 308 to the https:// URL.
  std::vector<listener_config> redirect_listen;
  std::string hsts;  // Strict-Transport-Security value on TLS responses; "" for none
  std::vector<tls_certificate_config> certificates;  // the first is the default
  tls_min_version min_version = tls_min_version::tls1_2;
  std::string ciphers = tls_default_ciphers;            // TLS 1.2, OpenSSL cipher-list syntax
  std::string ciphersuites = tls_default_ciphersuites;  // TLS 1.3
  bool session_tickets = true;
  std::chrono::milliseconds ticket_key_lifetime{std::chrono::hours(1)};
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  tls_client_auth client_auth = tls_client_auth::off;
  std::string client_ca;  // PEM bundle of CAs trusted for client certificates
  int verify_depth = 3;   // 1..16
  std::string crl;        // PEM file with CRLs; "" for none
  toml::source_region client_ca_where;
  toml::source_region crl_where;
};

// Reads a present [tls] table. Unknown keys, wrong types, out-of-range values, missing required
// keys and invalid cipher strings are reported to `errors` naming "tls.KEY". Files are not
// opened here (tls_context does that). Never throws for bad input.
tls_config parse_tls_config(const toml::table& table, config_error_sink& errors);

}  // namespace ferry
