#include "modules/tls/tls_transport.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <utility>

#include "http/text_escape.hpp"
#include "modules/tls/tls_session.hpp"

namespace ferry {
namespace {

std::string distinguished_name(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  std::string out;
  if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    if (length > 0) out.assign(data, static_cast<std::size_t>(length));
  }
  BIO_free(bio);
  return out;
}

std::string serial_hex(const X509* certificate) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  if (number == nullptr) return {};
  std::string out;
  if (char* hex = BN_bn2hex(number)) {
    out = hex;
    OPENSSL_free(hex);
  }
  BN_free(number);
  return out;
}

std::string sha256_fingerprint(const X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
  return encode_hex(std::span<const unsigned char>(digest, length));
}

}  // namespace

std::shared_ptr<tls_transport> tls_transport::create(tls_config config, std::vector<std::string> alpn_protocols,
                                                     std::vector<tls_problem>& problems,
                                                     ticket_key_ring::clock_function ticket_clock) {
  auto context = std::make_unique<tls_context>(std::move(config), std::move(alpn_protocols), std::move(ticket_clock));
  if (!context->load(problems)) return nullptr;
  return std::make_shared<tls_transport>(std::move(context));
}

tls_transport::tls_transport(std::unique_ptr<tls_context> context) : context_(std::move(context)) {}

std::vector<certificate_expiry> tls_transport::certificate_expiries() const {
  std::vector<certificate_expiry> out;
  const auto set = context_->current();
  for (const auto& served : set->certificates) {
    const X509* certificate = SSL_CTX_get0_certificate(served->ctx.get());
    std::tm when{};
    if (certificate == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &when) != 1) continue;
    out.push_back({served->names.empty() ? std::string("-") : served->names.front(),
                   static_cast<std::int64_t>(timegm(&when)), distinguished_name(X509_get_subject_name(certificate)),
                   distinguished_name(X509_get_issuer_name(certificate)), serial_hex(certificate),
                   sha256_fingerprint(certificate)});
  }
  return out;
}

std::unique_ptr<secure_session> tls_transport::open(platform::native_socket fd) const {
  return tls_session::open(context_->current(), fd);
}

}  // namespace ferry
