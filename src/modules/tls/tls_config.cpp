#include "modules/tls/tls_config.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"
#include "modules/tls/certificate_names.hpp"

namespace ferry {
namespace {

using std::chrono::milliseconds;

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

// A list of listen addresses under `key`; `required`: the key must be present and non-empty.
void read_addresses(toml_table_reader& tls, std::string_view key, bool required, std::vector<listener_config>& out) {
  const toml::node* node = tls.table().get(key);
  if (!tls.read_listen_addresses(key, out)) {
    if (node == nullptr && required) {
      tls.errors().report(tls.table(), quoted(tls.key_path(key)) + " is required: the addresses TLS is served on");
    }
    return;
  }
  if (out.empty() && required) tls.errors().report(*node, quoted(tls.key_path(key)) + " must not be empty");
}

// RFC 6797 §6.1: max-age is required; the directives are tokens and quoted strings, so
// printable ASCII is all a value needs (and no CR/LF can smuggle a header in).
void read_hsts(toml_table_reader& tls, tls_config& out) {
  if (!tls.read("hsts", out.hsts) || out.hsts.empty()) return;
  const bool printable = std::all_of(out.hsts.begin(), out.hsts.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  std::string lower(out.hsts);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  if (!printable || lower.find("max-age=") == std::string::npos) {
    tls.errors().report(*tls.table().get("hsts"), quoted("tls.hsts") + " = " + quote_for_message(out.hsts) +
                                                      ": must be a Strict-Transport-Security value with "
                                                      "max-age, e.g. \"max-age=31536000; includeSubDomains\"");
    out.hsts.clear();
  }
}

bool read_required_path(toml_table_reader& entry, std::string_view key, std::string& out) {
  const toml::node* node = entry.table().get(key);
  if (node == nullptr) {
    entry.errors().report(entry.table(), quoted(entry.key_path(key)) + " is required");
    return false;
  }
  if (!entry.read(key, out)) return false;
  if (out.empty()) {
    entry.errors().report(*node, quoted(entry.key_path(key)) + " must not be empty");
    return false;
  }
  return true;
}

bool read_names(toml_table_reader& entry, std::vector<std::string>& out) {
  const toml::node* node = entry.table().get("names");
  std::vector<std::string> names;
  if (!entry.read("names", names)) return node == nullptr;
  if (names.empty()) {
    entry.errors().report(*node, quoted(entry.key_path("names")) +
                                     " must not be empty (leave it out to use the certificate's names)");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!valid_certificate_name(names[i])) {
      entry.errors().report(*node->as_array()->get(i),
                            quoted(entry.key_path("names") + "[" + std::to_string(i) + "]") + ": " +
                                quote_for_message(names[i]) +
                                " is not a host name like \"example.com\" or \"*.example.com\"");
      ok = false;
    }
    out.push_back(lower_ascii(names[i]));
  }
  return ok;
}

void read_certificates(toml_table_reader& tls, tls_config& out) {
  const toml::node* node = tls.take("certificates");
  if (node == nullptr) {
    tls.errors().report(tls.table(), quoted("tls.certificates") +
                                         " is required: at least one { cert = ..., key = ... } entry");
    return;
  }
  const toml::array* array = expect_array(*node, "tls.certificates", tls.errors());
  if (array == nullptr) return;
  if (array->empty()) {
    tls.errors().report(*node, quoted("tls.certificates") + " must not be empty");
    return;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string name = "tls.certificates[" + std::to_string(i) + "]";
    const toml::table* table = expect_table(*array->get(i), name, tls.errors());
    if (table == nullptr) continue;
    toml_table_reader entry(*table, name, tls.errors());
    tls_certificate_config certificate;
    certificate.where = table->source();
    bool ok = read_required_path(entry, "cert", certificate.cert);
    ok = read_required_path(entry, "key", certificate.key) && ok;
    ok = read_names(entry, certificate.names) && ok;
    entry.report_unknown_keys();
    if (ok) out.certificates.push_back(std::move(certificate));
  }
}

// OpenSSL is the judge of its cipher syntax; a throw-away context asks it.
void check_cipher_string(toml_table_reader& tls, std::string_view key, const std::string& text) {
  const toml::node* node = tls.table().get(key);
  if (node == nullptr) return;
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return;
  ERR_clear_error();
  const bool ok = key == "ciphers" ? SSL_CTX_set_cipher_list(ctx.get(), text.c_str()) == 1
                                   : SSL_CTX_set_ciphersuites(ctx.get(), text.c_str()) == 1;
  ERR_clear_error();
  if (!ok || text.empty()) {
    tls.errors().report(*node, quoted("tls." + std::string(key)) + ": " + quote_for_message(text) +
                                   " names no cipher OpenSSL knows" +
                                   (key == "ciphers" ? " (TLS 1.2 cipher list, e.g. \"ECDHE+AESGCM\")"
                                                     : " (TLS 1.3 suites, e.g. \"TLS_AES_128_GCM_SHA256\")"));
  }
}

void read_client_auth(toml_table_reader& tls, tls_config& out) {
  tls.read_choice<tls_client_auth>("client_auth",
                                   {{"off", tls_client_auth::off},
                                    {"optional", tls_client_auth::optional},
                                    {"required", tls_client_auth::required}},
                                   out.client_auth);
  if (const toml::node* node = tls.table().get("client_ca")) {
    out.client_ca_where = node->source();
    if (tls.read("client_ca", out.client_ca) && out.client_ca.empty()) {
      tls.errors().report(*node, quoted("tls.client_ca") + " must not be empty");
    }
  }
  if (const toml::node* node = tls.table().get("crl")) {
    out.crl_where = node->source();
    if (tls.read("crl", out.crl) && out.crl.empty()) {
      tls.errors().report(*node, quoted("tls.crl") + " must not be empty (leave it out for no CRL)");
    }
  }
  tls.read_integer("verify_depth", 1, 16, out.verify_depth);

  const toml::node* mode = tls.table().get("client_auth");
  if (out.client_auth != tls_client_auth::off) {
    if (out.client_ca.empty() && tls.table().get("client_ca") == nullptr) {
      tls.errors().report(mode != nullptr ? mode->source() : tls.table().source(),
                          quoted("tls.client_ca") + " is required when 'tls.client_auth' is not \"off\"");
    }
    return;
  }
  // Settings that would do nothing are mistakes, not defaults to ignore.
  for (const std::string_view key : {"client_ca", "crl", "verify_depth"}) {
    if (const toml::node* node = tls.table().get(key)) {
      tls.errors().report(*node, quoted("tls." + std::string(key)) +
                                     " has no effect unless 'tls.client_auth' is \"optional\" or \"required\"");
    }
  }
}

}  // namespace

tls_config parse_tls_config(const toml::table& table, config_error_sink& errors) {
  tls_config out;
  toml_table_reader tls(table, "tls", errors);
  read_addresses(tls, "listen", true, out.listen);
  read_addresses(tls, "redirect_listen", false, out.redirect_listen);
  read_hsts(tls, out);
  read_certificates(tls, out);
  tls.read_choice<tls_min_version>("min_version",
                                   {{"1.2", tls_min_version::tls1_2}, {"1.3", tls_min_version::tls1_3}},
                                   out.min_version);
  if (tls.read("ciphers", out.ciphers)) check_cipher_string(tls, "ciphers", out.ciphers);
  if (tls.read("ciphersuites", out.ciphersuites)) check_cipher_string(tls, "ciphersuites", out.ciphersuites);
  tls.read("session_tickets", out.session_tickets);
  tls.read_duration("ticket_key_lifetime", std::chrono::minutes(1), std::chrono::hours(24),
                    out.ticket_key_lifetime);
  tls.read_duration("handshake_timeout", milliseconds(1), std::chrono::hours(24), out.handshake_timeout);
  read_client_auth(tls, out);
  tls.report_unknown_keys();
  return out;
}

}  // namespace ferry
