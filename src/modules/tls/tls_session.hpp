// One server-side TLS connection over the core's non-blocking socket: the handshake, record
// I/O, file bodies (SSL_sendfile under kTLS, else pread into a lazily allocated buffer +
// SSL_write), and what the handshake established. Without kTLS the records one call makes are
// gathered and leave in one send() (record_gatherer.hpp), and records the core received itself
// are read before the socket (staged_reader.hpp).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "modules/secure_transport.hpp"
#include "modules/tls/certificate_set.hpp"
#include "modules/tls/duplex_bio.hpp"

namespace ferry {

class tls_session final : public secure_session {
 public:
  // Null when OpenSSL cannot allocate. `certificates` must hold at least one certificate.
  static std::unique_ptr<tls_session> open(std::shared_ptr<const certificate_set> certificates, int fd);
  ~tls_session() override;
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  transport_result handshake() override;
  transport_result read(std::span<char> into) override;
  transport_result write(std::span<const char> bytes, bool more) override;
  // After a want_write, the next call must name the same fd and the offset just past the bytes
  // reported so far: the record that could not be sent is retried from the session's buffer.
  transport_result write_file(int fd, std::uint64_t offset, std::size_t length) override;
  bool file_write_pending() const override {
    return (file_ && file_->begin != file_->end) || (held_back_ && held_for_file_);
  }
  bool has_buffered_input() const override;
  bool takes_received_bytes() const override;
  void received(std::span<const char> bytes) override;
  bool socket_drained() const override;
  void shutdown() override;
  void release_buffers() override;

  const tls_peer_info& peer() const override { return peer_; }
  bool plaintext_http() const override { return plaintext_http_; }
  bool certificate_covers(std::string_view host) const override;
  std::string_view send_path() const override;

  // The most one pread of a file body takes: four TLS records (SSL_write writes them one by
  // one), so a 100 KiB body costs 2 reads instead of 7. Held only while a body is being sent.
  static constexpr std::size_t file_chunk = 64 * 1024;

 private:
  tls_session(std::shared_ptr<const certificate_set> certificates, int fd);
  void cork(bool on);
  transport_result write_file_pieces(int fd, std::uint64_t offset, std::size_t length);
  transport_result write_gathered(std::span<const char> bytes, bool more);
  transport_result write_file_gathered(int fd, std::uint64_t offset, std::size_t length);
  // Sends what the gatherer holds; false with the status to return when it could not.
  bool send_gathered(transport_status& status);
  // After gathered records were sent only in part: one byte of what the caller gave is
  // reported unsent, so that it calls again (with the same bytes, as after any want_write) and
  // the rest of the records leave before anything new. That byte is in those records already.
  transport_result hold_back_last_byte(std::size_t taken, bool for_file);

  // Maps a failed SSL_* call (its return value) to a status, then empties the error queue.
  transport_status failure(int result, bool eof_is_close);
  void record_peer();
  transport_result send_file_ktls(int fd, std::uint64_t offset, std::size_t length);
  // Up to file_chunk bytes of `fd` at `at` (no more than `want`) into file_, made on first use:
  // how many, or 0 after an error or the file's end (file_ released then).
  std::size_t read_file_piece(int fd, std::uint64_t at, std::size_t want);

  tls_binding binding_;  // ex_data of ssl_: must outlive it (declared first, destroyed last)
  // ssl_'s BIO, when gather_: records are written to ends_.gatherer and read through
  // ends_.reader.
  duplex_ends ends_;
  SSL* ssl_ = nullptr;
  tls_peer_info peer_;
  bool established_ = false;
  bool broken_ = false;  // a fatal error: no close_notify
  bool saw_first_byte_ = false;
  bool corked_ = false;  // TCP_CORK is on (see cork())
  bool plaintext_http_ = false;
  bool ktls_send_ = false;
  // Records leave through gatherer_ and come through reader_, not OpenSSL's socket BIO.
  bool gather_ = false;
  bool read_wanted_more_ = false;  // the last read stopped inside a record (want_read)
  bool held_back_ = false;    // one byte reported unsent (see hold_back_last_byte)
  bool held_for_file_ = false;
  int fd_;  // the socket
  // Where the caller must resume a file write that returned want_*: the file and the offset
  // its next call names (of the held-back byte, or of the piece waiting for SSL_write's retry).
  int resume_fd_ = -1;
  std::uint64_t resume_offset_ = 0;

  // A file body's piece, read and (without gather_) perhaps not yet all accepted by SSL_write:
  // made for a body and released after it, so that idle connections hold none.
  struct file_piece {
    std::size_t begin = 0;  // bytes[begin, end) await SSL_write's retry
    std::size_t end = 0;
    char bytes[file_chunk];
  };
  std::unique_ptr<file_piece> file_;
};

}  // namespace ferry
