// Test support for the TLS module: a throw-away PKI made with the OpenSSL API (a CA, RSA and
// ECDSA server certificates, client certificates, a CRL), written to a temp directory, and a
// driver that runs a ferry server session against an OpenSSL client over a non-blocking
// socketpair, stepping both ends until they are done. Header-only: each test file includes it.
#pragma once

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "modules/secure_transport.hpp"
#include "modules/tls/tls_config.hpp"
#include "modules/tls/tls_transport.hpp"

namespace ferry::tls_test {

struct key_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct x509_free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, key_free>;
using cert_ptr = std::unique_ptr<X509, x509_free>;

inline void require(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(what);
  }
}

inline key_ptr make_rsa_key() { return key_ptr(EVP_RSA_gen(2048)); }
inline key_ptr make_ec_key() { return key_ptr(EVP_EC_gen("P-256")); }

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  require(extension != nullptr, "extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// Signed by `issuer` (with `issuer_key`), or self-signed when `issuer` is null. `san` is an
// OpenSSL subjectAltName spec such as "DNS:a.example,URI:spiffe://x/y" ("" for none).
inline cert_ptr make_certificate(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                                 const std::string& san, bool is_ca, long serial) {
  cert_ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 30);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Ferry Test"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_extension(cert.get(), signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (is_ca) add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!san.empty()) add_extension(cert.get(), signer, NID_subject_alt_name, san);
  require(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "sign");
  return cert;
}

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Write>
std::string pem_of(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio);
  char* data = nullptr;
  const long length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));  // BIO_get_mem_data
  std::string out(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return out;
}

inline std::string cert_pem(X509* cert) {
  return pem_of([&](BIO* bio) { PEM_write_bio_X509(bio, cert); });
}
inline std::string key_pem(EVP_PKEY* key) {
  return pem_of([&](BIO* bio) { PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

// The files of the test PKI; made once per process.
struct pki {
  std::string dir;
  std::string ca;                          // CA certificate (client_ca bundle, client trust)
  std::string rsa_cert, rsa_key;           // RSA 2048: rsa.example.com, *.rsa.example.com
  std::string ec_cert, ec_key;             // ECDSA P-256: ec.example.com
  std::string other_rsa_cert, other_rsa_key;  // RSA: rsa.example.com again, another key
  std::string client_cert, client_key;     // EC client: CN=alice, DNS, URI and e-mail SANs
  std::string revoked_cert, revoked_key;   // EC client revoked by crl
  std::string stranger_cert, stranger_key;  // client signed by an unknown CA
  std::string crl;                         // revokes serial 666

  std::string path(const std::string& name) const { return dir + "/" + name; }
};

inline const pki& test_pki() {
  static const pki made = [] {
    std::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with write(2); a closed peer must not kill us
    pki out;
    char templ[] = "/tmp/ferry-tls-test-XXXXXX";
    require(mkdtemp(templ) != nullptr, "mkdtemp");
    out.dir = templ;
    // Removed when the test process exits (each test is a process of its own under ctest).
    static const std::string made_dir = templ;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(made_dir, ignored);
    });
    const key_ptr ca_key = make_ec_key();
    const cert_ptr ca = make_certificate("Ferry Test CA", ca_key.get(), nullptr, nullptr, "", true, 1);
    auto save = [&](const std::string& name, const std::string& pem) {
      write_file(out.path(name), pem);
      return out.path(name);
    };
    out.ca = save("ca.pem", cert_pem(ca.get()));
    auto leaf = [&](const std::string& base, key_ptr key, const std::string& cn, const std::string& san,
                    long serial, X509* issuer, EVP_PKEY* issuer_key, std::string& cert_path,
                    std::string& key_path) {
      const cert_ptr cert = make_certificate(cn, key.get(), issuer, issuer_key, san, false, serial);
      cert_path = save(base + ".crt", cert_pem(cert.get()) + cert_pem(issuer));
      key_path = save(base + ".key", key_pem(key.get()));
    };
    leaf("rsa", make_rsa_key(), "rsa.example.com", "DNS:rsa.example.com,DNS:*.rsa.example.com", 10, ca.get(),
         ca_key.get(), out.rsa_cert, out.rsa_key);
    leaf("ec", make_ec_key(), "ec.example.com", "DNS:ec.example.com", 11, ca.get(), ca_key.get(), out.ec_cert,
         out.ec_key);
    leaf("other-rsa", make_rsa_key(), "rsa.example.com", "DNS:rsa.example.com", 12, ca.get(), ca_key.get(),
         out.other_rsa_cert, out.other_rsa_key);
    leaf("client", make_ec_key(), "alice",
         "DNS:alice.client.test,URI:spiffe://ferry.test/alice,email:alice@ferry.test", 20, ca.get(),
         ca_key.get(), out.client_cert, out.client_key);
    leaf("revoked", make_ec_key(), "mallory", "DNS:mallory.client.test", 666, ca.get(), ca_key.get(),
         out.revoked_cert, out.revoked_key);
    const key_ptr stranger_ca_key = make_ec_key();
    const cert_ptr stranger_ca =
        make_certificate("Stranger CA", stranger_ca_key.get(), nullptr, nullptr, "", true, 1);
    leaf("stranger", make_ec_key(), "eve", "DNS:eve.client.test", 30, stranger_ca.get(), stranger_ca_key.get(),
         out.stranger_cert, out.stranger_key);

    X509_CRL* crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.get()));
    ASN1_TIME* now = ASN1_TIME_adj(nullptr, std::time(nullptr), 0, -60);
    ASN1_TIME* next = ASN1_TIME_adj(nullptr, std::time(nullptr), 7, 0);
    X509_CRL_set1_lastUpdate(crl, now);
    X509_CRL_set1_nextUpdate(crl, next);
    X509_REVOKED* revoked = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, 666);
    X509_REVOKED_set_serialNumber(revoked, serial);
    X509_REVOKED_set_revocationDate(revoked, now);
    X509_CRL_add0_revoked(crl, revoked);
    X509_CRL_sort(crl);
    require(X509_CRL_sign(crl, ca_key.get(), EVP_sha256()) > 0, "crl sign");
    out.crl = save("crl.pem", pem_of([&](BIO* bio) { PEM_write_bio_X509_CRL(bio, crl); }));
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    return out;
  }();
  return made;
}

// A config with the RSA certificate as default and the ECDSA one for its name.
inline tls_config base_config() {
  const pki& p = test_pki();
  tls_config config;
  config.listen.push_back({"127.0.0.1", 0});
  config.certificates.push_back({p.rsa_cert, p.rsa_key, {}, {}});
  config.certificates.push_back({p.ec_cert, p.ec_key, {}, {}});
  return config;
}

inline std::shared_ptr<tls_transport> make_transport(tls_config config,
                                                     ticket_key_ring::clock_function clock = {},
                                                     std::vector<std::string> alpn = {"http/1.1"}) {
  std::vector<tls_problem> problems;
  auto transport = tls_transport::create(std::move(config), std::move(alpn), problems, std::move(clock));
  for (const auto& problem : problems) ADD_FAILURE() << problem.text;
  return transport;
}

// Both ends non-blocking.
struct socket_pair {
  int server = -1;
  int client = -1;
  socket_pair() {
    int fds[2];
    require(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
    server = fds[0];
    client = fds[1];
    for (const int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ~socket_pair() {
    ::close(server);
    ::close(client);
  }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;
};

struct client_options {
  int min_version = 0;
  int max_version = 0;
  bool legacy = false;              // allow TLS 1.0/1.1 (security level 0)
  std::string sni;                  // "" sends none
  std::vector<std::string> alpn;    // empty sends none
  std::string cert, key;            // client certificate
  SSL_SESSION* resume = nullptr;    // session to offer
  bool verify_server = true;        // against the test CA

  client_options& with_min_version(int v) { min_version = v; return *this; }
  client_options& with_max_version(int v) { max_version = v; return *this; }
  client_options& with_legacy(bool v) { legacy = v; return *this; }
  client_options& with_sni(std::string v) { sni = std::move(v); return *this; }
  client_options& with_alpn(std::vector<std::string> v) { alpn = std::move(v); return *this; }
  client_options& with_cert(std::string c, std::string k) { cert = std::move(c); key = std::move(k); return *this; }
  client_options& with_resume(SSL_SESSION* v) { resume = v; return *this; }
  client_options& with_verify_server(bool v) { verify_server = v; return *this; }
};

class tls_client {
 public:
  tls_client(int fd, const client_options& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    require(ctx_ != nullptr, "client ctx");
    if (options.legacy) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
    }
    if (options.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
    if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    if (options.verify_server) {
      require(SSL_CTX_load_verify_locations(ctx_, test_pki().ca.c_str(), nullptr) == 1, "client trust");
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    if (!options.cert.empty()) {
      require(SSL_CTX_use_certificate_chain_file(ctx_, options.cert.c_str()) == 1, "client cert");
      require(SSL_CTX_use_PrivateKey_file(ctx_, options.key.c_str(), SSL_FILETYPE_PEM) == 1, "client key");
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd);
    SSL_set_connect_state(ssl_);
    alert_ = -1;
    SSL_set_ex_data(ssl_, alert_index(), &alert_);
    SSL_set_info_callback(ssl_, [](const SSL* ssl, int where, int value) {
      if ((where & SSL_CB_READ_ALERT) != 0) {
        *static_cast<int*>(SSL_get_ex_data(ssl, alert_index())) = value & 0xff;
      }
    });
    if (!options.sni.empty()) {  // SSL_set_tlsext_host_name, without its C-style cast
      SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.sni.c_str()));
    }
    if (!options.alpn.empty()) {
      std::string wire;
      for (const auto& protocol : options.alpn) {
        wire += static_cast<char>(protocol.size());
        wire += protocol;
      }
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned int>(wire.size()));
    }
    if (options.resume != nullptr) SSL_set_session(ssl_, options.resume);
  }
  ~tls_client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  SSL* ssl() const { return ssl_; }
  int received_alert() const { return alert_; }

  // -1: would block; 0: failed or closed; else bytes read.
  int read(char* into, int size) {
    ERR_clear_error();
    const int got = SSL_read(ssl_, into, size);
    if (got > 0) return got;
    const int error = SSL_get_error(ssl_, got);
    ERR_clear_error();
    return (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) ? -1 : 0;
  }
  bool write_all(const std::string& bytes) {
    ERR_clear_error();
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  std::string peer_common_name() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (cert == nullptr) return {};
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    return name;
  }
  int peer_key_type() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    return cert == nullptr ? 0 : EVP_PKEY_get_base_id(X509_get0_pubkey(cert));
  }

 private:
  static int alert_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int alert_ = -1;
};

struct handshake_outcome {
  transport_status server = transport_status::want_read;
  bool client_ok = false;
};

// Steps both ends until neither can move any more (bounded).
inline handshake_outcome run_handshake(secure_session& server, tls_client& client) {
  handshake_outcome out;
  bool server_finished = false;
  bool client_finished = false;
  for (int round = 0; round < 200 && !(server_finished && client_finished); ++round) {
    if (!client_finished) {
      ERR_clear_error();
      const int result = SSL_do_handshake(client.ssl());
      if (result == 1) {
        client_finished = true;
        out.client_ok = true;
      } else {
        const int error = SSL_get_error(client.ssl(), result);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) client_finished = true;
      }
      ERR_clear_error();
    }
    if (!server_finished) {
      out.server = server.handshake().status;
      server_finished = out.server != transport_status::want_read && out.server != transport_status::want_write;
    }
  }
  // TLS 1.3: the client may finish first and learn of a server rejection only on its next read.
  if (out.client_ok && out.server != transport_status::done) {
    char byte = 0;
    if (client.read(&byte, 1) == 0) out.client_ok = false;
  }
  return out;
}

// A connected server session + client, handshake done or failed.
struct connection {
  socket_pair sockets;
  std::unique_ptr<secure_session> server;
  std::unique_ptr<tls_client> client;
  handshake_outcome outcome;

  connection(secure_transport& transport, const client_options& options) {
    server = transport.open(sockets.server);
    require(server != nullptr, "open");
    client = std::make_unique<tls_client>(sockets.client, options);
    outcome = run_handshake(*server, *client);
  }
  bool established() const { return outcome.server == transport_status::done && outcome.client_ok; }
};

// Replaces `path` the way deploys do: write a new file, rename it over the old one.
inline void replace_file(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".new";
  write_file(temporary, content);
  std::filesystem::rename(temporary, path);
}

// A fresh directory under the PKI's for one test's files.
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = test_pki().path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace ferry::tls_test
