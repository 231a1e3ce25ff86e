#include "modules/tls/tls_transport.hpp"

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <ctime>
#include <utility>

#include "modules/tls/tls_session.hpp"

namespace ferry {

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
                   static_cast<std::int64_t>(timegm(&when))});
  }
  return out;
}

std::unique_ptr<secure_session> tls_transport::open(int fd) const {
  return tls_session::open(context_->current(), fd);
}

}  // namespace ferry
