// Certificate reload: changed files are picked up for new handshakes, sessions already open
// keep working, and a broken file is reported while the old certificate keeps serving.
#include <gtest/gtest.h>

#include "tls_test_support.hpp"

namespace ferry::tls_test {
namespace {

class tls_reload : public ::testing::Test {
 protected:
  void SetUp() override {
    const pki& p = test_pki();
    dir_ = scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    cert_ = dir_ + "/site.crt";
    key_ = dir_ + "/site.key";
    write_file(cert_, read_file(p.rsa_cert));
    write_file(key_, read_file(p.rsa_key));
    tls_config config = base_config();
    config.certificates = {{cert_, key_, {}, {}}};
    transport_ = make_transport(config);
    ASSERT_TRUE(transport_);
  }

  // The serial number of the certificate a new handshake sees.
  long served_serial() {
    connection c(*transport_, client_options().with_verify_server(false));
    if (!c.established()) return -1;
    return ASN1_INTEGER_get(X509_get0_serialNumber(SSL_get0_peer_certificate(c.client->ssl())));
  }

  std::string dir_, cert_, key_;
  std::shared_ptr<tls_transport> transport_;
};

TEST_F(tls_reload, NothingChangedNothingReported) {
  EXPECT_TRUE(transport_->reload_changed_certificates().empty());
  EXPECT_EQ(served_serial(), 10);
}

TEST_F(tls_reload, ChangedFilesServeNewHandshakesAndOldSessionsContinue) {
  connection old_session(*transport_, client_options());
  ASSERT_TRUE(old_session.established());

  const pki& p = test_pki();
  replace_file(cert_, read_file(p.ec_cert));
  replace_file(key_, read_file(p.ec_key));
  EXPECT_TRUE(transport_->reload_changed_certificates().empty());
  EXPECT_EQ(served_serial(), 11);

  // The session opened before still works and still names its certificate.
  EXPECT_EQ(old_session.server->write(std::string_view("still here"), false).status, transport_status::done);
  char buffer[32];
  int got = -1;
  for (int i = 0; i < 10 && got <= 0; ++i) got = old_session.client->read(buffer, sizeof buffer);
  ASSERT_EQ(got, 10);
  EXPECT_EQ(std::string(buffer, 10), "still here");
  EXPECT_TRUE(old_session.server->certificate_covers("rsa.example.com"));
}

TEST_F(tls_reload, GarbageIsReportedAndTheOldCertificateKeepsServing) {
  replace_file(cert_, "this is not a certificate\n");
  const auto errors = transport_->reload_changed_certificates();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(cert_), std::string::npos) << errors[0];
  EXPECT_EQ(served_serial(), 10);
  // Still broken: reported again, not forgotten.
  EXPECT_EQ(transport_->reload_changed_certificates().size(), 1u);
  // Fixed: picked up.
  replace_file(cert_, read_file(test_pki().rsa_cert));
  EXPECT_TRUE(transport_->reload_changed_certificates().empty());
  EXPECT_EQ(served_serial(), 10);
}

TEST_F(tls_reload, HalfDeployedPairIsAMismatchUntilTheKeyFollows) {
  const pki& p = test_pki();
  replace_file(cert_, read_file(p.other_rsa_cert));
  const auto errors = transport_->reload_changed_certificates();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("does not match"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find(key_), std::string::npos) << errors[0];
  EXPECT_EQ(served_serial(), 10);
  replace_file(key_, read_file(p.other_rsa_key));
  EXPECT_TRUE(transport_->reload_changed_certificates().empty());
  EXPECT_EQ(served_serial(), 12);
}

TEST_F(tls_reload, MissingFileIsReported) {
  std::filesystem::remove(key_);
  const auto errors = transport_->reload_changed_certificates();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(key_), std::string::npos) << errors[0];
  EXPECT_EQ(served_serial(), 10);
}

}  // namespace
}  // namespace ferry::tls_test
