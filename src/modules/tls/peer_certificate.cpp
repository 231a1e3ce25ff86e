#include "modules/tls/peer_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

namespace ferry {
namespace {

constexpr std::size_t max_entry = 1024;

bool printable(std::string_view text) {
  if (text.empty() || text.size() > max_entry) return false;
  for (const char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

void add_if_printable(const ASN1_STRING* value, std::vector<std::string>& out) {
  const unsigned char* data = ASN1_STRING_get0_data(value);
  const int length = ASN1_STRING_length(value);
  if (data == nullptr || length <= 0) return;
  const std::string_view text(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
  if (printable(text)) out.emplace_back(text);
}

std::string rfc2253_subject(X509* certificate) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return {};
  // RFC 2253 with UTF-8 kept as is (not \-escaped), as auth rules are written.
  const unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, flags) < 0) return {};
  char* data = nullptr;
  const long length = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, static_cast<void*>(&data));  // BIO_get_mem_data
  if (data == nullptr || length <= 0) return {};
  return {data, static_cast<std::size_t>(length)};
}

}  // namespace

void describe_client_certificate(X509* certificate, tls_peer_info& out) {
  if (certificate == nullptr) return;
  auto client = std::make_unique<tls_client_names>();
  client->subject = rfc2253_subject(certificate);
  if (auto* names =
          static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr))) {
    const int count = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < count; ++i) {
      const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names, i);
      switch (entry->type) {
        case GEN_DNS: add_if_printable(entry->d.dNSName, client->dns_names); break;
        case GEN_URI: add_if_printable(entry->d.uniformResourceIdentifier, client->uris); break;
        case GEN_EMAIL: add_if_printable(entry->d.rfc822Name, client->emails); break;
        default: break;
      }
    }
    GENERAL_NAMES_free(names);
  }
  out.client = std::move(client);
}

}  // namespace ferry
