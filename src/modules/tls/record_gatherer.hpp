// The records OpenSSL writes during one call, gathered so that they leave in one send() rather
// than one each. On loopback a 100 KiB body over HTTP/2 took five sends and two TCP_CORK
// toggles per response, and every send also runs the receiver's side of TCP and wakes it.
//
// OpenSSL writes into it through the connection's BIO (duplex_bio.hpp); send() then empties the gatherer into the
// socket. Used where the kernel offers no kTLS (which needs OpenSSL's own socket BIO).
#pragma once

#include <openssl/bio.h>

#include <cstddef>

#include "modules/output_buffer.hpp"

namespace ferry {

class record_gatherer {
 public:
  explicit record_gatherer(int fd) : fd_(fd) {}
  ~record_gatherer();
  record_gatherer(const record_gatherer&) = delete;
  record_gatherer& operator=(const record_gatherer&) = delete;

  std::size_t pending() const { return bytes_.size() - unsent_; }
  bool empty() const { return pending() == 0; }
  // Sends what is gathered. True when nothing is left; false when the socket would block or
  // failed (failed() tells which).
  bool send();
  bool failed() const { return failed_; }

  // The BIO's write (appends) and its BIO_CTRL_FLUSH (sends) and BIO_CTRL_WPENDING.
  int bio_write(BIO* bio, const char* data, int length);
  long bio_control(BIO* bio, int command);

 private:
  void append(const char* data, std::size_t length);
  void give_back();

  output_buffer bytes_;     // borrowed from the thread's spare while there is something to send
  std::size_t unsent_ = 0;  // bytes_ before this offset have been sent
  int fd_;
  bool failed_ = false;
};

}  // namespace ferry
