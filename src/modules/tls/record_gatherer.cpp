#include "modules/tls/record_gatherer.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace ferry {
namespace {

// Lent to a connection while the socket has not taken all of its records.
thread_local spare_output_buffer spare_records;

}  // namespace

record_gatherer::~record_gatherer() { give_back(); }

// A connection keeps no buffer once it is drained.
void record_gatherer::give_back() {
  spare_records.take_back(bytes_);
  unsent_ = 0;
}

void record_gatherer::append(const char* data, std::size_t length) {
  spare_records.lend(bytes_);
  bytes_.append({data, length});
}

bool record_gatherer::send() {
  while (unsent_ < bytes_.size()) {
    const ssize_t n = ::send(fd_, bytes_.data() + unsent_, bytes_.size() - unsent_, MSG_NOSIGNAL);
    if (n > 0) {
      unsent_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) failed_ = true;
      return false;
    }
  }
  give_back();
  return true;
}

int record_gatherer::bio_write(BIO* bio, const char* data, int length) {
  BIO_clear_retry_flags(bio);
  if (length <= 0) return 0;
  append(data, static_cast<std::size_t>(length));
  return length;
}

// OpenSSL flushes after each handshake flight and alert: those leave at once (or the handshake
// waits for the socket, as with a socket BIO).
long record_gatherer::bio_control(BIO* bio, int command) {
  if (command == BIO_CTRL_WPENDING) return static_cast<long>(pending());
  // BIO_CTRL_FLUSH
  BIO_clear_retry_flags(bio);
  if (send()) return 1;
  if (!failed_) BIO_set_retry_write(bio);
  return -1;
}

}  // namespace ferry
