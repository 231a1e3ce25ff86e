#include "modules/tls/tls_session.hpp"

#include <openssl/err.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "modules/tls/certificate_names.hpp"
#include "modules/tls/ktls_probe.hpp"
#include "modules/tls/peer_certificate.hpp"
#include "modules/tls/record_buffers.hpp"

namespace ferry {
namespace {

// A TLS connection starts with a handshake record (0x16) or an SSLv2 hello (high bit set);
// an upper-case ASCII letter is the first byte of an HTTP method.
bool http_method_byte(char c) { return c >= 'A' && c <= 'Z'; }

bool http_request_error(unsigned long code) {
  return ERR_GET_LIB(code) == ERR_LIB_SSL &&
         (ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST || ERR_GET_REASON(code) == SSL_R_HTTPS_PROXY_REQUEST);
}

// SSL_get_error needs the thread's error queue empty before each call. Clearing an empty queue
// still walks all its slots (a visible share of a small HTTPS request, several times per
// request); looking at it first costs little when it is empty, as it nearly always is.
void clear_error_queue() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

// Each record OpenSSL writes is a send() of its own, and with TCP_NODELAY a packet of its own.
// While one call writes several records, or more bytes follow at once (the body after a head),
// the socket stays corked so that they leave in as few packets as the kernel can make (100 KiB
// over HTTPS/1.1: 8 packets became 2, about 20 % less server CPU). Uncorking pushes out what is
// left at once.
void tls_session::cork(bool on) {
  if (corked_ == on) return;
  corked_ = on;
  const int value = on ? 1 : 0;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

std::unique_ptr<tls_session> tls_session::open(std::shared_ptr<const certificate_set> certificates, int fd) {
  if (!certificates || certificates->certificates.empty()) return nullptr;
  std::unique_ptr<tls_session> session(new (std::nothrow) tls_session(std::move(certificates), fd));
  if (!session || session->ssl_ == nullptr) return nullptr;
  return session;
}

tls_session::tls_session(std::shared_ptr<const certificate_set> certificates, int fd)
    : ends_(fd), fd_(fd) {
  binding_.certificates = std::move(certificates);
  clear_error_queue();
  SSL* ssl = SSL_new(binding_.certificates->certificates.front()->ctx.get());
  gather_ = !kernel_offers_ktls();
  bool ready = ssl != nullptr && SSL_set_ex_data(ssl, tls_binding_index(), &binding_) == 1;
  if (ready && gather_) {
    BIO* bio = new_duplex_bio(&ends_);
    ready = bio != nullptr;
    if (ready) SSL_set_bio(ssl, bio, bio);  // one reference for both directions
  } else if (ready) {
    ready = SSL_set_fd(ssl, fd) == 1;
  }
  if (!ready) {
    SSL_free(ssl);
    clear_error_queue();
    return;
  }
  SSL_set_accept_state(ssl);
  // Read-ahead: OpenSSL reads what the socket has, not a record's 5-byte header and then its
  // body (two reads per request over HTTPS/1.1 became one). See has_buffered_input().
  SSL_set_read_ahead(ssl, 1);
  ssl_ = ssl;
}

tls_session::~tls_session() { SSL_free(ssl_); }

transport_status tls_session::failure(int result, bool eof_is_close) {
  const int error = SSL_get_error(ssl_, result);
  transport_status status = transport_status::failed;
  switch (error) {
    case SSL_ERROR_WANT_READ: status = transport_status::want_read; break;
    case SSL_ERROR_WANT_WRITE: status = transport_status::want_write; break;
    case SSL_ERROR_ZERO_RETURN: status = transport_status::closed; break;
    case SSL_ERROR_SYSCALL:
      // No OpenSSL error and errno 0 is an EOF without close_notify.
      status = (eof_is_close && ERR_peek_error() == 0 && errno == 0) ? transport_status::closed
                                                                      : transport_status::failed;
      break;
    case SSL_ERROR_SSL:
      if (eof_is_close && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        status = transport_status::closed;
      } else if (!established_ && http_request_error(ERR_peek_error())) {
        plaintext_http_ = true;
      }
      break;
    default: break;
  }
  if (status == transport_status::failed || error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL) broken_ = true;
  clear_error_queue();
  return status;
}

transport_result tls_session::handshake() {
  if (broken_) return {transport_status::failed, 0};
  if (transport_status status; !send_gathered(status)) return {status, 0};  // a flight the socket had no room for
  if (established_) return {transport_status::done, 0};
  if (!saw_first_byte_) {
    // Peek before OpenSSL consumes anything: a plain HTTP request stays in the socket for
    // the core to answer. Costs one recv until the client's first byte has arrived.
    char first = 0;
    const ssize_t got = ::recv(fd_, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (got == 0) return {transport_status::closed, 0};
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {transport_status::want_read, 0};
      if (errno != EINTR) return {transport_status::failed, 0};
    } else {
      saw_first_byte_ = true;
      if (http_method_byte(first)) {
        plaintext_http_ = true;
        broken_ = true;
        return {transport_status::failed, 0};
      }
    }
  }
  clear_error_queue();
  errno = 0;
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    established_ = true;
    record_peer();
    if (transport_status status; !send_gathered(status)) return {status, 0};
    return {transport_status::done, 0};
  }
  transport_status status = failure(result, false);
  if (status == transport_status::closed) status = transport_status::failed;  // no close during a handshake
  return {status, 0};
}

void tls_session::record_peer() {
  peer_.version = SSL_get_version(ssl_);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_)) peer_.cipher = SSL_CIPHER_get_name(cipher);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_length);
  if (alpn != nullptr) peer_.alpn = std::string_view(reinterpret_cast<const char*>(alpn), alpn_length);  // ssl_'s
  if (const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) peer_.server_name = lower_ascii(name);
  if (X509* certificate = SSL_get0_peer_certificate(ssl_)) {
    describe_client_certificate(certificate, peer_);
    peer_.client_verified = SSL_get_verify_result(ssl_) == X509_V_OK;
  }
  ktls_send_ = BIO_get_ktls_send(SSL_get_wbio(ssl_));
  clear_error_queue();
}

transport_result tls_session::read(std::span<char> into) {
  if (!established_ || broken_) return {transport_status::failed, 0};
  if (into.empty()) return {transport_status::done, 0};
  clear_error_queue();
  errno = 0;
  ends_.reader.forget_drained();  // socket_drained() speaks of this read only
  std::size_t got = 0;
  const int result = SSL_read_ex(ssl_, into.data(), into.size(), &got);
  // Reading may have made records to send (a KeyUpdate answer): they leave now if they can,
  // else with the next write.
  if (gather_ && !ends_.gatherer.empty()) ends_.gatherer.send();
  read_wanted_more_ = false;
  if (result == 1) return {transport_status::done, got};
  const transport_status status = failure(result, true);
  read_wanted_more_ = status == transport_status::want_read;
  return {status, 0};
}

transport_result tls_session::write(std::span<const char> bytes, bool more) {
  // A file record waiting for its retry must go first (OpenSSL retries the same bytes).
  if (!established_ || broken_ || file_write_pending()) return {transport_status::failed, 0};
  if (gather_) return write_gathered(bytes, more);
  if (more || bytes.size() > SSL3_RT_MAX_PLAIN_LENGTH) cork(true);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    clear_error_queue();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_, bytes.data() + sent, bytes.size() - sent, &written);
    if (result != 1) {
      cork(false);
      return {failure(result, false), sent};
    }
    sent += written;
  }
  if (!more) cork(false);
  return {transport_status::done, sent};
}

transport_result tls_session::send_file_ktls(int fd, std::uint64_t offset, std::size_t length) {
  std::size_t sent = 0;
  while (sent < length) {
    clear_error_queue();
    errno = 0;
    const ossl_ssize_t result =
        SSL_sendfile(ssl_, fd, static_cast<off_t>(offset + sent), length - sent, 0);
    if (result <= 0) return {failure(static_cast<int>(result), false), sent};
    sent += static_cast<std::size_t>(result);
  }
  return {transport_status::done, sent};
}

// Records go to the gatherer; with `more` they wait there for the bytes that follow at once
// (a head and its body leave in one send, with no TCP_CORK) up to file_chunk bytes (a streamed
// compressed body is sent as it goes, not gathered whole), else they are sent now.
transport_result tls_session::write_gathered(std::span<const char> bytes, bool more) {
  std::size_t taken = 0;
  if (held_back_ && !bytes.empty()) {
    if (transport_status status; !send_gathered(status)) return {status, 0};
    held_back_ = false;
    taken = 1;  // that byte is in the records just sent
  }
  while (taken < bytes.size()) {
    clear_error_queue();
    errno = 0;
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, bytes.data() + taken, bytes.size() - taken, &written) != 1) {
      broken_ = true;  // the gatherer takes every record: nothing is left to retry
      clear_error_queue();
      return {transport_status::failed, taken};
    }
    taken += written;
  }
  if (more && ends_.gatherer.pending() < file_chunk) return {transport_status::done, taken};
  if (transport_status status; !send_gathered(status)) {
    return status == transport_status::failed ? transport_result{status, taken}
                                              : hold_back_last_byte(taken, false);
  }
  return {transport_status::done, taken};
}

bool tls_session::send_gathered(transport_status& status) {
  if (!gather_ || ends_.gatherer.send()) return true;
  if (ends_.gatherer.failed()) broken_ = true;
  status = ends_.gatherer.failed() ? transport_status::failed : transport_status::want_write;
  return false;
}

transport_result tls_session::hold_back_last_byte(std::size_t taken, bool for_file) {
  held_back_ = true;
  held_for_file_ = for_file;
  return {transport_status::want_write, taken - 1};
}

transport_result tls_session::write_file(int fd, std::uint64_t offset, std::size_t length) {
  if (gather_) return write_file_gathered(fd, offset, length);
  // Several records leave together (see cork()); a head written just before with `more` is
  // corked already. Whichever way this returns, the socket is uncorked after it.
  if (length > SSL3_RT_MAX_PLAIN_LENGTH) cork(true);
  const auto result = write_file_pieces(fd, offset, length);
  cork(false);
  return result;
}

transport_result tls_session::write_file_pieces(int fd, std::uint64_t offset, std::size_t length) {
  if (!established_ || broken_) return {transport_status::failed, 0};
  const bool pending = file_write_pending();
  if (pending && (fd != resume_fd_ || offset != resume_offset_ || length < file_->end - file_->begin)) {
    return {transport_status::failed, 0};  // the caller did not resume where it left off
  }
  if (ktls_send_ && !pending) return send_file_ktls(fd, offset, length);
  std::size_t sent = 0;
  while (sent < length) {
    if (!file_ || file_->begin == file_->end) {
      const std::size_t got = read_file_piece(fd, offset + sent, length - sent);
      if (got == 0) return {transport_status::failed, sent};
      file_->begin = 0;
      file_->end = got;
      resume_fd_ = fd;
      resume_offset_ = offset + sent;
    }
    clear_error_queue();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_, file_->bytes + file_->begin, file_->end - file_->begin, &written);
    if (result != 1) {
      const transport_status status = failure(result, false);
      if (status == transport_status::failed) file_.reset();
      return {status, sent};  // want_*: the record stays pending for the retry
    }
    file_->begin += written;
    resume_offset_ += written;
    sent += written;
  }
  file_.reset();  // idle connections keep no file buffer
  return {transport_status::done, sent};
}

// pread a piece at a time into the file buffer, SSL_write it into the gatherer (behind a head
// written with `more`), send: one send per piece of up to file_chunk bytes, not one per record.
transport_result tls_session::write_file_gathered(int fd, std::uint64_t offset, std::size_t length) {
  if (!established_ || broken_) return {transport_status::failed, 0};
  std::size_t sent = 0;
  if (held_back_) {
    if (!held_for_file_ || fd != resume_fd_ || offset != resume_offset_ || length == 0) {
      return {transport_status::failed, 0};  // the caller did not resume where it left off
    }
    if (transport_status status; !send_gathered(status)) return {status, 0};
    held_back_ = false;
    sent = 1;
  }
  while (sent < length) {
    const std::size_t got = read_file_piece(fd, offset + sent, length - sent);
    if (got == 0) return {transport_status::failed, sent};
    for (std::size_t taken = 0; taken < got;) {
      clear_error_queue();
      errno = 0;
      std::size_t written = 0;
      if (SSL_write_ex(ssl_, file_->bytes + taken, got - taken, &written) != 1) {
        broken_ = true;  // the gatherer takes every record: nothing is left to retry
        clear_error_queue();
        file_.reset();
        return {transport_status::failed, sent};
      }
      taken += written;
    }
    sent += got;
    if (transport_status status; !send_gathered(status)) {
      file_.reset();
      if (status == transport_status::failed) return {status, sent};
      resume_fd_ = fd;
      resume_offset_ = offset + sent - 1;
      return hold_back_last_byte(sent, true);
    }
  }
  file_.reset();  // idle connections keep no file buffer
  return {transport_status::done, sent};
}

std::size_t tls_session::read_file_piece(int fd, std::uint64_t at, std::size_t want) {
  if (!file_) {
    file_.reset(new (std::nothrow) file_piece);
    if (!file_) return 0;
  }
  ssize_t got = 0;
  do {
    got = ::pread(fd, file_->bytes, std::min(file_chunk, want), static_cast<off_t>(at));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {  // an error, or the file is shorter than the response promised
    file_.reset();
    return 0;
  }
  return static_cast<std::size_t>(got);
}

// Decrypted bytes, or bytes read ahead (whole records the socket will not signal again, such as
// a request that arrived with the handshake's last flight). Read-ahead bytes that the last read
// found to be only part of a record do not count: waiting on the socket is then right, and
// treating them as readable would spin.
bool tls_session::has_buffered_input() const {
  if (!established_ || broken_) return false;
  return ends_.reader.staged() > 0 || SSL_pending(ssl_) > 0 || (!read_wanted_more_ && SSL_has_pending(ssl_) == 1);
}

bool tls_session::takes_received_bytes() const { return gather_ && established_ && !broken_ && ends_.reader.staged() == 0; }

void tls_session::received(std::span<const char> bytes) { ends_.reader.stage(bytes); }

bool tls_session::socket_drained() const { return gather_ && ends_.reader.drained(); }

void tls_session::shutdown() {
  if (!established_ || broken_) return;
  clear_error_queue();
  // Sends close_notify (after any records still gathered: OpenSSL flushes); never waits for the
  // peer's.
  SSL_shutdown(ssl_);
  clear_error_queue();
}

void tls_session::release_buffers() {
  // Refused (0) while a record is partly read or written: the buffers then stay.
  if (ssl_ != nullptr && !broken_ && release_buffers_by_hand()) SSL_free_buffers(ssl_);
}

bool tls_session::certificate_covers(std::string_view host) const {
  const auto& certificates = binding_.certificates->certificates;
  if (binding_.selected >= certificates.size()) return false;
  return certificate_names_cover(certificates[binding_.selected]->names, host);
}

std::string_view tls_session::send_path() const { return ktls_send_ ? "kTLS" : "pread+SSL_write"; }

}  // namespace ferry
