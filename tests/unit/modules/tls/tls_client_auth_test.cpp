// Client certificates: "required" refuses a missing, untrusted or revoked certificate;
// "optional" lets a missing or failing one through with client_verified = false; the
// subject and subjectAltNames of a presented certificate reach peer().
#include <gtest/gtest.h>

#include <algorithm>

#include "tls_test_support.hpp"

namespace ferry::tls_test {
namespace {

tls_config auth_config(tls_client_auth mode) {
  tls_config config = base_config();
  config.client_auth = mode;
  config.client_ca = test_pki().ca;
  config.crl = test_pki().crl;
  return config;
}

class tls_client_auth_modes : public ::testing::TestWithParam<int> {
 protected:
  client_options options() const { return client_options().with_max_version(GetParam()); }
};

TEST_P(tls_client_auth_modes, RequiredRefusesAMissingCertificate) {
  const auto transport = make_transport(auth_config(tls_client_auth::required));
  connection c(*transport, options());
  EXPECT_EQ(c.outcome.server, transport_status::failed);
  EXPECT_FALSE(c.outcome.client_ok);
}

TEST_P(tls_client_auth_modes, RequiredAcceptsAGoodCertificateAndDescribesIt) {
  const auto transport = make_transport(auth_config(tls_client_auth::required));
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.client_cert, p.client_key));
  ASSERT_TRUE(c.established());
  const tls_peer_info& peer = c.server->peer();
  EXPECT_TRUE(peer.client_certificate());
  EXPECT_TRUE(peer.client_verified);
  EXPECT_EQ(peer.client_names().subject, "CN=alice,O=Ferry Test");
  EXPECT_EQ(peer.client_names().dns_names, std::vector<std::string>{"alice.client.test"});
  EXPECT_EQ(peer.client_names().uris, std::vector<std::string>{"spiffe://ferry.test/alice"});
  EXPECT_EQ(peer.client_names().emails, std::vector<std::string>{"alice@ferry.test"});
}

TEST_P(tls_client_auth_modes, RequiredRefusesARevokedCertificate) {
  const auto transport = make_transport(auth_config(tls_client_auth::required));
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.revoked_cert, p.revoked_key));
  EXPECT_EQ(c.outcome.server, transport_status::failed);
  EXPECT_FALSE(c.outcome.client_ok);
}

TEST_P(tls_client_auth_modes, RequiredWithoutCrlAcceptsTheSameCertificate) {
  tls_config config = auth_config(tls_client_auth::required);
  config.crl.clear();
  const auto transport = make_transport(config);
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.revoked_cert, p.revoked_key));
  EXPECT_TRUE(c.established());  // shows that the CRL is what refused it above
}

TEST_P(tls_client_auth_modes, RequiredRefusesAnUntrustedCertificate) {
  const auto transport = make_transport(auth_config(tls_client_auth::required));
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.stranger_cert, p.stranger_key));
  EXPECT_EQ(c.outcome.server, transport_status::failed);
}

TEST_P(tls_client_auth_modes, VerifyDepthLimitsTheChain) {
  tls_config config = auth_config(tls_client_auth::required);
  config.verify_depth = 1;  // leaf + CA is depth 1: still fine
  const auto transport = make_transport(config);
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.client_cert, p.client_key));
  EXPECT_TRUE(c.established());
}

TEST_P(tls_client_auth_modes, OptionalWithoutCertificate) {
  const auto transport = make_transport(auth_config(tls_client_auth::optional));
  connection c(*transport, options());
  ASSERT_TRUE(c.established());
  EXPECT_FALSE(c.server->peer().client_certificate());
  EXPECT_FALSE(c.server->peer().client_verified);
}

TEST_P(tls_client_auth_modes, OptionalWithGoodCertificate) {
  const auto transport = make_transport(auth_config(tls_client_auth::optional));
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.client_cert, p.client_key));
  ASSERT_TRUE(c.established());
  EXPECT_TRUE(c.server->peer().client_certificate());
  EXPECT_TRUE(c.server->peer().client_verified);
}

TEST_P(tls_client_auth_modes, OptionalWithFailingCertificatesIsUnverified) {
  const auto transport = make_transport(auth_config(tls_client_auth::optional));
  const pki& p = test_pki();
  for (const auto& [cert, key] : {std::pair{p.stranger_cert, p.stranger_key}, std::pair{p.revoked_cert, p.revoked_key}}) {
    connection c(*transport, options().with_cert(cert, key));
    ASSERT_TRUE(c.established()) << cert;
    EXPECT_TRUE(c.server->peer().client_certificate()) << cert;
    EXPECT_FALSE(c.server->peer().client_verified) << cert;
    EXPECT_FALSE(c.server->peer().client_names().subject.empty());
  }
}

TEST_P(tls_client_auth_modes, OffNeverAsks) {
  const auto transport = make_transport(base_config());
  const pki& p = test_pki();
  connection c(*transport, options().with_cert(p.client_cert, p.client_key));
  ASSERT_TRUE(c.established());
  EXPECT_FALSE(c.server->peer().client_certificate());
}

INSTANTIATE_TEST_SUITE_P(versions, tls_client_auth_modes, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const auto& param_info) { return param_info.param == TLS1_2_VERSION ? "tls12" : "tls13"; });

}  // namespace
}  // namespace ferry::tls_test
