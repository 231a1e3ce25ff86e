#include "modules/rate_limit/redis_stream.hpp"

#include <openssl/ssl.h>
#include <openssl/tls1.h>

namespace ferry {

namespace {

std::string describe(std::string_view what, const std::string& file, const std::error_code& ec) {
  std::string message(what);
  message += " '";
  message += file;
  message += "': ";
  message += ec.message();
  return message;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_redis_tls_context(const redis_tls_settings& settings, std::string& error) {
  std::shared_ptr<asio::ssl::context> context;
  try {
    context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  } catch (const std::exception& e) {
    error = std::string("cannot create a TLS context: ") + e.what();
    return nullptr;
  }
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    error = "cannot require TLS 1.2";
    return nullptr;
  }
  std::error_code ec;
  context->set_verify_mode(asio::ssl::verify_peer, ec);
  if (ec) {
    error = "cannot enable certificate verification: " + ec.message();
    return nullptr;
  }
  if (settings.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load the system's CA certificates: " + ec.message();
      return nullptr;
    }
  } else {
    context->load_verify_file(settings.ca_file, ec);
    if (ec) {
      error = describe("cannot load CA file", settings.ca_file, ec);
      return nullptr;
    }
  }
  if (settings.cert_file.empty() != settings.key_file.empty()) {
    error = "a client certificate needs both cert_file and key_file";
    return nullptr;
  }
  if (!settings.cert_file.empty()) {
    context->use_certificate_chain_file(settings.cert_file, ec);
    if (ec) {
      error = describe("cannot load client certificate", settings.cert_file, ec);
      return nullptr;
    }
    context->use_private_key_file(settings.key_file, asio::ssl::context::pem, ec);
    if (ec) {
      error = describe("cannot load client key", settings.key_file, ec);
      return nullptr;
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      error = "the client key does not match the client certificate";
      return nullptr;
    }
  }
  return context;
}

redis_stream::redis_stream(asio::io_context& io, asio::ssl::context* tls, std::string server_name)
    : socket_(io), server_name_(std::move(server_name)) {
  if (tls != nullptr) tls_.emplace(socket_, *tls);
}

std::error_code redis_stream::prepare_handshake() {
  if (server_name_.empty()) return {};
  std::error_code not_address;
  (void)asio::ip::make_address(server_name_, not_address);
  // SNI carries host names only (RFC 6066); an IP address is still verified below.
  if (not_address) {
    char* name = server_name_.data();
    if (SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name) != 1) {
      return asio::error::invalid_argument;
    }
  }
  std::error_code ec;
  tls_->set_verify_callback(asio::ssl::host_name_verification(server_name_), ec);
  return ec;
}

void redis_stream::close() {
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace ferry
