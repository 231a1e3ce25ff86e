// The [tls] table: every key, defaults, and errors that name "tls.KEY" with their line; the
// module installs a transport only for a valid table whose files load.
#include "modules/tls/tls_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "modules/module_registry.hpp"
#include "modules/pipeline_extensions.hpp"
#include "tls_test_support.hpp"

namespace ferry {

void register_tls_module(module_registry& registry);

namespace tls_test {
namespace {

using namespace std::chrono_literals;

struct parse_result {
  tls_config config;
  std::vector<std::string> errors;
};

std::string minimal_keys() {
  const pki& p = test_pki();
  return "listen = [\"127.0.0.1:8443\"]\ncertificates = [{ cert = \"" + p.rsa_cert + "\", key = \"" + p.rsa_key +
         "\" }]\n";
}

parse_result parse(std::string_view body) {
  const toml::table document = toml::parse("[tls]\n" + std::string(body));
  config_error_sink sink("ferry.toml");
  parse_result out{parse_tls_config(*document["tls"].as_table(), sink), sink.messages()};
  return out;
}

// The single error `extra` keys produce on top of a valid minimal table.
std::string only_error(std::string_view extra) {
  const parse_result result = parse(minimal_keys() + std::string(extra));
  EXPECT_EQ(result.errors.size(), 1u) << extra;
  return result.errors.size() == 1 ? result.errors.front() : std::string();
}

// Runs the module's configure on a whole document.
std::vector<std::string> configure(std::string_view document_text, pipeline_extensions& out) {
  const toml::table document = toml::parse(document_text);
  module_registry registry;
  register_tls_module(registry);
  config_error_sink sink("ferry.toml");
  registry.modules().front().configure(document["tls"].as_table(), sink, out);
  return sink.messages();
}

TEST(tls_config, MinimalTableGivesDefaults) {
  const parse_result result = parse(minimal_keys());
  ASSERT_TRUE(result.errors.empty());
  const tls_config& c = result.config;
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].host, "127.0.0.1");
  EXPECT_EQ(c.listen[0].port, 8443);
  ASSERT_EQ(c.certificates.size(), 1u);
  EXPECT_TRUE(c.certificates[0].names.empty());
  EXPECT_EQ(c.min_version, tls_min_version::tls1_2);
  EXPECT_EQ(c.ciphers, tls_default_ciphers);
  EXPECT_EQ(c.ciphersuites, tls_default_ciphersuites);
  EXPECT_TRUE(c.session_tickets);
  EXPECT_EQ(c.ticket_key_lifetime, 1h);
  EXPECT_EQ(c.handshake_timeout, 10s);
  EXPECT_EQ(c.client_auth, tls_client_auth::off);
  EXPECT_EQ(c.verify_depth, 3);
  EXPECT_TRUE(c.crl.empty());
}

TEST(tls_config, ReadsEveryKey) {
  const parse_result result = parse(R"(
listen = ["0.0.0.0:443", "[::]:443"]
certificates = [
  { cert = "/etc/a.crt", key = "/etc/a.key", names = ["Example.com", "*.example.com"] },
  { cert = "/etc/b.crt", key = "/etc/b.key" },
]
min_version = "1.3"
ciphers = "ECDHE+AESGCM"
ciphersuites = "TLS_AES_256_GCM_SHA384"
session_tickets = false
ticket_key_lifetime = "30m"
handshake_timeout = "5s"
client_auth = "required"
client_ca = "/etc/ca.pem"
verify_depth = 5
crl = "/etc/crl.pem"
)");
  ASSERT_TRUE(result.errors.empty()) << result.errors.front();
  const tls_config& c = result.config;
  ASSERT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.listen[1].host, "::");
  ASSERT_EQ(c.certificates.size(), 2u);
  EXPECT_EQ(c.certificates[0].cert, "/etc/a.crt");
  EXPECT_EQ(c.certificates[0].key, "/etc/a.key");
  EXPECT_EQ(c.certificates[0].names, (std::vector<std::string>{"example.com", "*.example.com"}));
  EXPECT_EQ(c.certificates[0].where.begin.line, 5u);
  EXPECT_EQ(c.certificates[1].cert, "/etc/b.crt");
  EXPECT_EQ(c.min_version, tls_min_version::tls1_3);
  EXPECT_EQ(c.ciphers, "ECDHE+AESGCM");
  EXPECT_EQ(c.ciphersuites, "TLS_AES_256_GCM_SHA384");
  EXPECT_FALSE(c.session_tickets);
  EXPECT_EQ(c.ticket_key_lifetime, 30min);
  EXPECT_EQ(c.handshake_timeout, 5s);
  EXPECT_EQ(c.client_auth, tls_client_auth::required);
  EXPECT_EQ(c.client_ca, "/etc/ca.pem");
  EXPECT_EQ(c.verify_depth, 5);
  EXPECT_EQ(c.crl, "/etc/crl.pem");
}

TEST(tls_config, ListenIsRequiredAndValid) {
  const pki& p = test_pki();
  const std::string certs = "certificates = [{ cert = \"" + p.rsa_cert + "\", key = \"" + p.rsa_key + "\" }]\n";
  auto errors = parse(certs).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'tls.listen' is required"), std::string::npos) << errors[0];
  errors = parse(certs + "listen = []\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'tls.listen' must not be empty"), std::string::npos) << errors[0];
  errors = parse(certs + "listen = [\"example.com:443\"]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.listen[0]"), std::string::npos) << errors[0];
  errors = parse(certs + "listen = [\"127.0.0.1:1\", \"127.0.0.1:1\"]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.listen[1]"), std::string::npos) << errors[0];
  errors = parse(certs + "listen = \"127.0.0.1:1\"\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.listen"), std::string::npos) << errors[0];
}

TEST(tls_config, RedirectListenersAndHsts) {
  parse_result result = parse(minimal_keys() +
                              "redirect_listen = [\"0.0.0.0:80\", \"[::]:80\"]\nhsts = \"max-age=63072000; preload\"\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors.front();
  ASSERT_EQ(result.config.redirect_listen.size(), 2u);
  EXPECT_EQ(result.config.redirect_listen[1].host, "::");
  EXPECT_EQ(result.config.redirect_listen[1].port, 80);
  EXPECT_EQ(result.config.hsts, "max-age=63072000; preload");
  EXPECT_TRUE(parse(minimal_keys()).config.redirect_listen.empty());
  EXPECT_TRUE(parse(minimal_keys()).config.hsts.empty());
  EXPECT_TRUE(parse(minimal_keys() + "redirect_listen = []\n").errors.empty());
  EXPECT_NE(only_error("redirect_listen = [\"nowhere\"]\n").find("tls.redirect_listen[0]"), std::string::npos);
  EXPECT_NE(only_error("hsts = \"includeSubDomains\"\n").find("'tls.hsts'"), std::string::npos);
  EXPECT_NE(only_error("hsts = \"max-age=1\\r\\nX-Evil: 1\"\n").find("'tls.hsts'"), std::string::npos);
}

TEST(tls_config, CertificatesAreRequiredAndChecked) {
  const std::string listen = "listen = [\"127.0.0.1:8443\"]\n";
  auto errors = parse(listen).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'tls.certificates' is required"), std::string::npos) << errors[0];
  errors = parse(listen + "certificates = []\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("must not be empty"), std::string::npos);
  errors = parse(listen + "certificates = [{ cert = \"a\" }]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'tls.certificates[0].key' is required"), std::string::npos) << errors[0];
  errors = parse(listen + "certificates = [{ cert = \"a\", key = \"\" }]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'tls.certificates[0].key' must not be empty"), std::string::npos) << errors[0];
  errors = parse(listen + "certificates = [{ cert = \"a\", key = \"b\", chain = \"c\" }]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("unknown key 'tls.certificates[0].chain'"), std::string::npos) << errors[0];
  errors = parse(listen + "certificates = [\"a.pem\"]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.certificates[0]"), std::string::npos) << errors[0];
  for (const char* bad : {"\"\"", "\"*\"", "\"*.com\"", "\"a.*.com\"", "\"exa mple.com\"", "\"a..b\"", "\"-x.com.\""}) {
    errors = parse(listen + "certificates = [{ cert = \"a\", key = \"b\", names = [" + bad + "] }]\n").errors;
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_NE(errors[0].find("tls.certificates[0].names[0]"), std::string::npos) << errors[0];
  }
  errors = parse(listen + "certificates = [{ cert = \"a\", key = \"b\", names = [] }]\n").errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.certificates[0].names"), std::string::npos) << errors[0];
}

TEST(tls_config, BadValuesNameTheirKey) {
  EXPECT_NE(only_error("min_version = \"1.1\"").find("'tls.min_version' must be one of"), std::string::npos);
  EXPECT_NE(only_error("min_version = 1.2").find("'tls.min_version'"), std::string::npos);
  EXPECT_NE(only_error("ciphers = \"NOT-A-CIPHER\"").find("'tls.ciphers'"), std::string::npos);
  EXPECT_NE(only_error("ciphers = \"\"").find("'tls.ciphers'"), std::string::npos);
  EXPECT_NE(only_error("ciphersuites = \"TLS_FAKE\"").find("'tls.ciphersuites'"), std::string::npos);
  EXPECT_NE(only_error("session_tickets = \"yes\"").find("'tls.session_tickets'"), std::string::npos);
  EXPECT_NE(only_error("ticket_key_lifetime = \"30s\"").find("'tls.ticket_key_lifetime' must be between"),
            std::string::npos);
  EXPECT_NE(only_error("ticket_key_lifetime = \"25h\"").find("'tls.ticket_key_lifetime'"), std::string::npos);
  EXPECT_NE(only_error("handshake_timeout = \"0s\"").find("'tls.handshake_timeout'"), std::string::npos);
  EXPECT_NE(only_error("handshake_timeout = 10").find("'tls.handshake_timeout'"), std::string::npos);
  EXPECT_NE(only_error("client_auth = \"sometimes\"").find("'tls.client_auth' must be one of"), std::string::npos);
  EXPECT_NE(only_error("client_auth = \"required\"").find("'tls.client_ca' is required"), std::string::npos);
  EXPECT_NE(only_error("client_auth = \"optional\"\nclient_ca = \"ca\"\nverify_depth = 0")
                .find("'tls.verify_depth' must be between 1 and 16"),
            std::string::npos);
  EXPECT_NE(only_error("client_auth = \"optional\"\nclient_ca = \"ca\"\nverify_depth = 17").find("'tls.verify_depth'"),
            std::string::npos);
  EXPECT_NE(only_error("client_ca = \"ca.pem\"").find("'tls.client_ca' has no effect"), std::string::npos);
  EXPECT_NE(only_error("crl = \"crl.pem\"").find("'tls.crl' has no effect"), std::string::npos);
  EXPECT_NE(only_error("verify_depth = 2").find("'tls.verify_depth' has no effect"), std::string::npos);
  EXPECT_NE(only_error("client_auth = \"required\"\nclient_ca = \"\"").find("'tls.client_ca' must not be empty"),
            std::string::npos);
  const std::string unknown = only_error("protocols = [\"h2\"]");
  EXPECT_NE(unknown.find("unknown key 'tls.protocols'"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.rfind("ferry.toml:4: ", 0), 0u) << unknown;  // with the line
}

TEST(tls_module, AbsentTableLeavesTlsNull) {
  pipeline_extensions out;
  EXPECT_TRUE(configure("", out).empty());
  EXPECT_EQ(out.tls, nullptr);
}

TEST(tls_module, ValidTableInstallsTheTransport) {
  pipeline_extensions out;
  const auto errors = configure("[tls]\n" + minimal_keys() + "handshake_timeout = \"3s\"\n", out);
  ASSERT_TRUE(errors.empty()) << errors.front();
  ASSERT_NE(out.tls, nullptr);
  EXPECT_EQ(out.tls->handshake_timeout(), 3s);
  ASSERT_EQ(out.tls->listeners().size(), 1u);
  EXPECT_EQ(out.tls->listeners()[0].port, 8443);
  socket_pair sockets;
  const auto server = out.tls->open(sockets.server);
  tls_client client(sockets.client, client_options().with_alpn({"http/1.1"}));
  ASSERT_EQ(run_handshake(*server, client).server, transport_status::done);
  EXPECT_EQ(server->peer().alpn, "http/1.1");
}

TEST(tls_module, MismatchedKeyIsAConfigErrorNamingTheFiles) {
  const pki& p = test_pki();
  pipeline_extensions out;
  const auto errors = configure("[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificates = [\n  { cert = \"" + p.rsa_cert +
                                    "\", key = \"" + p.ec_key + "\" },\n]\n",
                                out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("ferry.toml:4: tls.certificates[0]"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("does not match"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find(p.ec_key), std::string::npos) << errors[0];
  EXPECT_EQ(out.tls, nullptr);
}

TEST(tls_module, MissingFilesAreConfigErrors) {
  const pki& p = test_pki();
  pipeline_extensions out;
  auto errors = configure("[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificates = [{ cert = \"/nonexistent/c.pem\", key = \"" +
                              p.rsa_key + "\" }]\n",
                          out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("/nonexistent/c.pem"), std::string::npos) << errors[0];
  errors = configure("[tls]\n" + minimal_keys() +
                         "client_auth = \"required\"\nclient_ca = \"/nonexistent/ca.pem\"\n",
                     out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("ferry.toml:5: tls.client_ca"), std::string::npos) << errors[0];
  errors = configure("[tls]\n" + minimal_keys() + "client_auth = \"required\"\nclient_ca = \"" + p.ca +
                         "\"\ncrl = \"" + p.rsa_cert + "\"\n",
                     out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.crl"), std::string::npos) << errors[0];
}

TEST(tls_module, EncryptedKeyFailsInsteadOfPrompting) {
  const pki& p = test_pki();
  const std::string dir = scratch_dir("encrypted-key");
  BIO* in = BIO_new_file(p.rsa_key.c_str(), "r");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  ASSERT_NE(key, nullptr);
  const std::string encrypted = pem_of([&](BIO* bio) {
    char password[] = "secret";
    PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), password, 6, nullptr, nullptr);
  });
  EVP_PKEY_free(key);
  write_file(dir + "/enc.key", encrypted);
  pipeline_extensions out;
  const auto errors = configure("[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificates = [{ cert = \"" + p.rsa_cert +
                                    "\", key = \"" + dir + "/enc.key\" }]\n",
                                out);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("cannot load the private key"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace tls_test
}  // namespace ferry
