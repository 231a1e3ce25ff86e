// One byte stream to Redis over Asio: a TCP socket, with OpenSSL TLS layered on it when the
// client was configured for TLS. Everything above it (the protocol, pipelining, timeouts) has
// one code path; only these few members look at which transport is in use.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace ferry {

struct redis_tls_settings {
  bool enabled = false;
  std::string ca_file;      // CAs to verify Redis' certificate; empty: the system's default paths
  std::string cert_file;    // client certificate chain (PEM), for tls-auth-clients; optional
  std::string key_file;     // its private key (PEM); required with cert_file
  std::string server_name;  // SNI and the name (or IP address) verified; empty: the host
};

// A client context that verifies the peer against `settings.ca_file`, TLS 1.2 at least. Null,
// with `error` set, when a file cannot be loaded. Built once and shared by streams.
std::shared_ptr<asio::ssl::context> make_redis_tls_context(const redis_tls_settings& settings, std::string& error);

class redis_stream {
 public:
  using tcp = asio::ip::tcp;

  // Plain TCP when `tls` is null; otherwise TLS with SNI (for a name, not an IP address) and
  // verification of `server_name`.
  redis_stream(asio::io_context& io, asio::ssl::context* tls, std::string server_name);
  redis_stream(const redis_stream&) = delete;
  redis_stream& operator=(const redis_stream&) = delete;

  // Connects to the first endpoint of `endpoints` that accepts, sets TCP_NODELAY and, with TLS,
  // completes the handshake. Handler: void(std::error_code).
  template <class EndpointSequence, class Handler>
  void async_connect(const EndpointSequence& endpoints, Handler&& handler) {
    asio::async_connect(socket_, endpoints,
                        [this, handler = std::forward<Handler>(handler)](const std::error_code& ec,
                                                                         const tcp::endpoint&) mutable {
                          if (ec) {
                            handler(ec);
                            return;
                          }
                          std::error_code ignored;
                          socket_.set_option(tcp::no_delay(true), ignored);
                          if (!tls_) {
                            handler(std::error_code{});
                            return;
                          }
                          if (const std::error_code setup = prepare_handshake()) {
                            handler(setup);
                            return;
                          }
                          tls_->async_handshake(asio::ssl::stream_base::client, std::move(handler));
                        });
  }

  // Handler: void(std::error_code, std::size_t).
  template <class Handler>
  void async_write(asio::const_buffer bytes, Handler&& handler) {
    if (tls_) {
      asio::async_write(*tls_, bytes, std::forward<Handler>(handler));
    } else {
      asio::async_write(socket_, bytes, std::forward<Handler>(handler));
    }
  }

  // Handler: void(std::error_code, std::size_t).
  template <class Handler>
  void async_read_some(asio::mutable_buffer into, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(into, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(into, std::forward<Handler>(handler));
    }
  }

  // Closes the socket: pending operations complete with operation_aborted. No TLS close_notify:
  // Redis needs none, and a peer that stopped answering must not hold us up.
  void close();

  bool is_tls() const { return tls_.has_value(); }

 private:
  // SNI and peer verification on the SSL object, before the handshake.
  std::error_code prepare_handshake();

  tcp::socket socket_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  std::string server_name_;
};

}  // namespace ferry
