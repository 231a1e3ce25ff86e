// The read side of a TLS session where the kernel offers no kTLS: OpenSSL reads the socket
// through it as through its own socket BIO, except that bytes the connection received from the
// socket itself (stage()) come first. The connection does that to wait for a request without a
// system call (server/read_edges.hpp): Asio's receive, performed on epoll's edge, moves the
// bytes, where otherwise a read that finds nothing (EAGAIN) and an epoll_ctl would precede the
// read that finds them.
//
// It also tells whether a read from the socket found it drained (fewer bytes than asked, or
// none), which is what lets the connection wait for the next edge.
#pragma once

#include <openssl/bio.h>

#include <cstddef>
#include <span>

namespace ferry {

class staged_reader {
 public:
  explicit staged_reader(int fd) : fd_(fd) {}
  staged_reader(const staged_reader&) = delete;
  staged_reader& operator=(const staged_reader&) = delete;

  // Bytes received from the socket by the caller, read before the socket; they must stay valid
  // until staged() is 0. Only while staged() is 0.
  void stage(std::span<const char> bytes) { staged_ = bytes; }
  std::size_t staged() const { return staged_.size(); }
  // Whether a read from the socket since forget_drained() found it drained.
  bool drained() const { return drained_; }
  void forget_drained() { drained_ = false; }

  // The BIO's read and its BIO_CTRL_EOF and BIO_CTRL_PENDING (duplex_bio.hpp).
  int bio_read(BIO* bio, char* into, int length);
  long bio_control(BIO* bio, int command) const;

 private:
  std::span<const char> staged_;
  int fd_;
  bool drained_ = false;
};

}  // namespace ferry
