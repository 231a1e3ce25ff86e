// Real handshakes against an OpenSSL client: protocol versions, SNI certificate selection,
// ALPN, plain HTTP on the TLS port, and what the session reports afterwards.
#include <gtest/gtest.h>

#include <string>

#include "tls_test_support.hpp"

namespace ferry::tls_test {
namespace {

class tls_handshake : public ::testing::Test {
 protected:
  std::shared_ptr<tls_transport> transport_ = make_transport(base_config());
};

TEST_F(tls_handshake, Tls13ByDefault) {
  connection c(*transport_, client_options().with_sni("rsa.example.com"));
  ASSERT_TRUE(c.established());
  EXPECT_EQ(c.server->peer().version, "TLSv1.3");
  EXPECT_EQ(c.server->peer().cipher, SSL_CIPHER_get_name(SSL_get_current_cipher(c.client->ssl())));
  EXPECT_EQ(c.server->peer().server_name, "rsa.example.com");
  EXPECT_FALSE(c.server->peer().client_certificate());
  EXPECT_FALSE(c.server->plaintext_http());
}

TEST_F(tls_handshake, Tls12WithAnAeadCipher) {
  connection c(*transport_, client_options().with_max_version(TLS1_2_VERSION).with_sni("ec.example.com"));
  ASSERT_TRUE(c.established());
  EXPECT_EQ(c.server->peer().version, "TLSv1.2");
  EXPECT_EQ(c.server->peer().cipher.rfind("ECDHE-ECDSA-", 0), 0u) << c.server->peer().cipher;
  EXPECT_NE(c.server->peer().cipher.find("GCM"), std::string::npos) << c.server->peer().cipher;
}

TEST_F(tls_handshake, Tls12ClientOfferingOnlyCbcIsRefused) {
  const client_options options = client_options().with_max_version(TLS1_2_VERSION);
  connection probe(*transport_, options);  // sanity: a normal 1.2 client works
  ASSERT_TRUE(probe.established());
  socket_pair sockets;
  auto server = transport_->open(sockets.server);
  tls_client client(sockets.client, options);
  SSL_set_cipher_list(client.ssl(), "ECDHE-RSA-AES128-SHA");
  EXPECT_EQ(run_handshake(*server, client).server, transport_status::failed);
}

TEST_F(tls_handshake, Tls11ClientGetsProtocolVersionAlert) {
  connection c(*transport_, client_options().with_min_version(TLS1_VERSION).with_max_version(TLS1_1_VERSION).with_legacy(true));
  EXPECT_EQ(c.outcome.server, transport_status::failed);
  EXPECT_FALSE(c.outcome.client_ok);
  EXPECT_EQ(c.client->received_alert(), SSL_AD_PROTOCOL_VERSION);
}

TEST_F(tls_handshake, MinVersion13RefusesTls12) {
  tls_config config = base_config();
  config.min_version = tls_min_version::tls1_3;
  const auto strict = make_transport(config);
  connection c(*strict, client_options().with_max_version(TLS1_2_VERSION));
  EXPECT_EQ(c.outcome.server, transport_status::failed);
  EXPECT_EQ(c.client->received_alert(), SSL_AD_PROTOCOL_VERSION);
  connection ok(*strict, client_options());
  EXPECT_TRUE(ok.established());
}

TEST_F(tls_handshake, SniSelectsRsaOrEcdsaCertificate) {
  connection rsa(*transport_, client_options().with_sni("rsa.example.com"));
  ASSERT_TRUE(rsa.established());
  EXPECT_EQ(rsa.client->peer_common_name(), "rsa.example.com");
  EXPECT_EQ(rsa.client->peer_key_type(), EVP_PKEY_RSA);

  connection ec(*transport_, client_options().with_sni("EC.Example.COM"));
  ASSERT_TRUE(ec.established());
  EXPECT_EQ(ec.client->peer_common_name(), "ec.example.com");
  EXPECT_EQ(ec.client->peer_key_type(), EVP_PKEY_EC);
  EXPECT_EQ(ec.server->peer().server_name, "ec.example.com");

  connection wildcard(*transport_, client_options().with_sni("www.rsa.example.com"));
  ASSERT_TRUE(wildcard.established());
  EXPECT_EQ(wildcard.client->peer_common_name(), "rsa.example.com");
}

TEST_F(tls_handshake, UnknownOrMissingSniGetsTheDefault) {
  connection unknown(*transport_, client_options().with_sni("unknown.example.org").with_verify_server(false));
  ASSERT_TRUE(unknown.established());
  EXPECT_EQ(unknown.client->peer_common_name(), "rsa.example.com");
  EXPECT_FALSE(unknown.server->certificate_covers("unknown.example.org"));

  connection none(*transport_, client_options().with_verify_server(false));
  ASSERT_TRUE(none.established());
  EXPECT_EQ(none.client->peer_common_name(), "rsa.example.com");
  EXPECT_EQ(none.server->peer().server_name, "");
}

TEST_F(tls_handshake, ExactNameBeatsAnEarlierWildcard) {
  tls_config config = base_config();
  const pki& p = test_pki();
  config.certificates = {{p.rsa_cert, p.rsa_key, {"*.example.com"}, {}},
                         {p.ec_cert, p.ec_key, {"ec.example.com"}, {}}};
  const auto transport = make_transport(config);
  connection ec(*transport, client_options().with_sni("ec.example.com"));
  ASSERT_TRUE(ec.established());
  EXPECT_EQ(ec.client->peer_key_type(), EVP_PKEY_EC);
  connection other(*transport, client_options().with_sni("other.example.com").with_verify_server(false));
  ASSERT_TRUE(other.established());
  EXPECT_EQ(other.client->peer_key_type(), EVP_PKEY_RSA);
  EXPECT_TRUE(other.server->certificate_covers("other.example.com"));
}

TEST_F(tls_handshake, CertificateCoversItsNames) {
  connection rsa(*transport_, client_options().with_sni("rsa.example.com"));
  ASSERT_TRUE(rsa.established());
  EXPECT_TRUE(rsa.server->certificate_covers("rsa.example.com"));
  EXPECT_TRUE(rsa.server->certificate_covers("RSA.EXAMPLE.COM"));
  EXPECT_TRUE(rsa.server->certificate_covers("a.rsa.example.com"));
  EXPECT_TRUE(rsa.server->certificate_covers("rsa.example.com."));
  EXPECT_FALSE(rsa.server->certificate_covers("a.b.rsa.example.com"));
  EXPECT_FALSE(rsa.server->certificate_covers("ec.example.com"));
  EXPECT_FALSE(rsa.server->certificate_covers(""));

  connection ec(*transport_, client_options().with_sni("ec.example.com"));
  ASSERT_TRUE(ec.established());
  EXPECT_TRUE(ec.server->certificate_covers("ec.example.com"));
  EXPECT_FALSE(ec.server->certificate_covers("rsa.example.com"));
  EXPECT_FALSE(ec.server->certificate_covers("x.ec.example.com"));
}

TEST_F(tls_handshake, AlpnNegotiatesHttp11) {
  connection c(*transport_, client_options().with_alpn({"h2", "http/1.1"}));
  ASSERT_TRUE(c.established());
  EXPECT_EQ(c.server->peer().alpn, "http/1.1");
  const unsigned char* selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(c.client->ssl(), &selected, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(selected), length), "http/1.1");
}

TEST_F(tls_handshake, AlpnWithoutACommonProtocolIsRefused) {
  for (const auto* protocol : {"h2", "spdy/3.1"}) {
    connection c(*transport_, client_options().with_alpn({protocol}));
    EXPECT_EQ(c.outcome.server, transport_status::failed) << protocol;
    EXPECT_FALSE(c.outcome.client_ok) << protocol;
    EXPECT_EQ(c.client->received_alert(), SSL_AD_NO_APPLICATION_PROTOCOL) << protocol;
  }
}

TEST_F(tls_handshake, NoAlpnIsAccepted) {
  connection c(*transport_, client_options());
  ASSERT_TRUE(c.established());
  EXPECT_EQ(c.server->peer().alpn, "");
}

TEST_F(tls_handshake, ServerPreferenceOrderForAlpn) {
  const auto transport = make_transport(base_config(), {}, {"h2", "http/1.1"});
  connection c(*transport, client_options().with_alpn({"http/1.1", "h2"}));
  ASSERT_TRUE(c.established());
  EXPECT_EQ(c.server->peer().alpn, "h2");
}

TEST_F(tls_handshake, PlainHttpRequestIsRecognised) {
  socket_pair sockets;
  auto server = transport_->open(sockets.server);
  EXPECT_EQ(server->handshake().status, transport_status::want_read);
  const std::string request = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  ASSERT_EQ(::write(sockets.client, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  EXPECT_EQ(server->handshake().status, transport_status::failed);
  EXPECT_TRUE(server->plaintext_http());
  // The request is still in the socket for the core to answer.
  char head[4] = {};
  EXPECT_EQ(::recv(sockets.server, head, sizeof head, 0), 4);
  EXPECT_EQ(std::string(head, 4), "GET ");
}

TEST_F(tls_handshake, BinaryGarbageIsNotPlainHttp) {
  socket_pair sockets;
  auto server = transport_->open(sockets.server);
  const std::string garbage("\x16\x03\x01\x00\x05\xff\xff\xff\xff\xff\x00\x00", 12);
  ASSERT_EQ(::write(sockets.client, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  transport_status status = transport_status::want_read;
  for (int i = 0; i < 5 && status == transport_status::want_read; ++i) status = server->handshake().status;
  EXPECT_EQ(status, transport_status::failed);
  EXPECT_FALSE(server->plaintext_http());
  // A failed session refuses further work instead of touching OpenSSL.
  char byte = 0;
  EXPECT_EQ(server->read({&byte, 1}).status, transport_status::failed);
}

TEST_F(tls_handshake, PeerClosingBeforeHelloIsClosed) {
  socket_pair sockets;
  auto server = transport_->open(sockets.server);
  ::shutdown(sockets.client, SHUT_WR);
  EXPECT_EQ(server->handshake().status, transport_status::closed);
}

TEST_F(tls_handshake, SessionsReportThePreadPathWithoutKernelTls) {
  connection c(*transport_, client_options());
  ASSERT_TRUE(c.established());
  // socketpair(AF_UNIX) never offers kTLS; on TCP it depends on the kernel's tls ULP.
  EXPECT_EQ(c.server->send_path(), "pread+SSL_write");
}

TEST_F(tls_handshake, OneFailedSessionLeavesNoErrorsForTheNext) {
  connection bad(*transport_, client_options().with_alpn({"h2"}));
  ASSERT_EQ(bad.outcome.server, transport_status::failed);
  EXPECT_EQ(ERR_peek_error(), 0u);
  connection good(*transport_, client_options());
  EXPECT_TRUE(good.established());
}

TEST_F(tls_handshake, HandshakeTimeoutAndListenersAreExposed) {
  tls_config config = base_config();
  config.handshake_timeout = std::chrono::milliseconds(2500);
  const auto transport = make_transport(config);
  EXPECT_EQ(transport->handshake_timeout(), std::chrono::milliseconds(2500));
  ASSERT_EQ(transport->listeners().size(), 1u);
  EXPECT_EQ(transport->listeners()[0].host, "127.0.0.1");
}

}  // namespace
}  // namespace ferry::tls_test
