// What the TLS module offers the core: listeners and, per accepted connection, a session that
// encrypts over the connection's non-blocking socket. No OpenSSL type appears here, so the core
// compiles the same with the module on or off (then pipeline_extensions::tls is null).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/listener_config.hpp"
#include "modules/metrics_exporter.hpp"
#include "platform/socket_calls.hpp"

namespace ferry {

enum class transport_status : std::uint8_t {
  done,        // the call completed; `bytes` says how much moved
  want_read,   // call again once the socket is readable
  want_write,  // call again once the socket is writable
  closed,      // the peer closed (close_notify or EOF)
  failed,      // protocol or socket error: close the connection
};

struct transport_result {
  transport_status status = transport_status::done;
  std::size_t bytes = 0;
};

// What a client certificate names.
struct tls_client_names {
  std::string subject;                 // RFC 2253 subject DN
  std::vector<std::string> dns_names;  // SAN dNSName entries
  std::vector<std::string> uris;       // SAN URI entries (e.g. SPIFFE IDs)
  std::vector<std::string> emails;     // SAN rfc822Name entries
};

// What the handshake established; stable once handshake() returned done.
struct tls_peer_info {
  // OpenSSL's own strings, which live as long as the session's (no copy in every connection):
  // the static names of the version and cipher, the negotiated protocol ("h2", "http/1.1";
  // "" when none).
  std::string_view version;  // "TLSv1.3"
  std::string_view cipher;   // e.g. "TLS_AES_128_GCM_SHA256"
  std::string_view alpn;
  std::string server_name;  // SNI as sent (lower-cased), "" when none
  bool client_verified = false;  // the client's certificate verified against the CA bundle (and CRL)
  // The client's certificate's names; null when it presented none. Apart, so that the many
  // connections without one keep 8 bytes for them, not 100.
  std::unique_ptr<tls_client_names> client;

  bool client_certificate() const { return client != nullptr; }
  // The presented certificate's names, all empty when there was none.
  const tls_client_names& client_names() const {
    static const tls_client_names none;
    return client ? *client : none;
  }
};

// One TLS connection over a connected, non-blocking socket the core owns (the session never
// closes it). Every call is non-blocking and says what it waits for.
class secure_session {
 public:
  virtual ~secure_session() = default;

  virtual transport_result handshake() = 0;
  virtual transport_result read(std::span<char> into) = 0;
  // `more`: more bytes follow at once (a response's body after its head), so the socket may
  // hold these back to fill a packet, as MSG_MORE does in the clear.
  virtual transport_result write(std::span<const char> bytes, bool more) = 0;
  // Sends up to `length` bytes of the file `fd` starting at `offset` (SSL_sendfile with kTLS,
  // else pread into the session's own buffer + SSL_write). `bytes` counts file bytes the
  // session has taken over; a want_* result may still have taken some.
  virtual transport_result write_file(int fd, std::uint64_t offset, std::size_t length) = 0;
  // A write_file stopped inside a record OpenSSL must retry: the next write has to be write_file
  // resuming where the last one stopped (write() refuses until then).
  virtual bool file_write_pending() const = 0;
  // Decrypted bytes are waiting inside the session: read() before waiting for the socket.
  virtual bool has_buffered_input() const = 0;
  // The core may receive the socket's next bytes itself and hand them over with received()
  // (to wait for them with no system call, server/read_edges.hpp): read() takes them before
  // reading the socket. `bytes` must stay valid until has_buffered_input() is false.
  virtual bool takes_received_bytes() const = 0;
  virtual void received(std::span<const char> bytes) = 0;
  // The last read() found the socket drained (took fewer bytes from it than asked, or none).
  virtual bool socket_drained() const = 0;
  // Sends close_notify (best effort, never waits for the peer's).
  virtual void shutdown() = 0;
  // Gives the record buffers back (an idle connection's memory) unless bytes are still in them;
  // the next read or write takes new ones. The core calls it when it waits for the client with
  // nothing in flight.
  virtual void release_buffers() = 0;

  virtual const tls_peer_info& peer() const = 0;
  // The handshake failed because the client spoke plain HTTP to the TLS port.
  virtual bool plaintext_http() const = 0;
  // The certificate this session presented is valid for `host` (exact or wildcard name).
  virtual bool certificate_covers(std::string_view host) const = 0;
  // "kTLS" when the kernel encrypts, "pread+SSL_write" otherwise.
  virtual std::string_view send_path() const = 0;
};

// Built once per configuration by the TLS module; shared read-only by all workers.
class secure_transport {
 public:
  virtual ~secure_transport() = default;

  virtual const std::vector<listener_config>& listeners() const = 0;
  // Plaintext listeners whose every request is redirected (308) to https.
  virtual const std::vector<listener_config>& redirect_listeners() const = 0;
  // Strict-Transport-Security for responses over TLS; "" for none.
  virtual const std::string& hsts() const = 0;
  virtual std::chrono::milliseconds handshake_timeout() const = 0;
  // A session for an accepted socket. Null only when out of memory.
  virtual std::unique_ptr<secure_session> open(platform::native_socket socket) const = 0;
  // Re-reads certificate and key files whose modification time changed. A file that fails to
  // load is reported (returned text, for the error log) and the old certificate keeps serving.
  // Thread-safe; sessions opened before keep the certificate they started with.
  virtual std::vector<std::string> reload_changed_certificates() = 0;
  // When each certificate new handshakes present stops being valid. Thread-safe.
  virtual std::vector<certificate_expiry> certificate_expiries() const = 0;
};

}  // namespace ferry
