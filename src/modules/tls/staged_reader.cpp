#include "modules/tls/staged_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ferry {

// As OpenSSL's socket BIO reads, staged bytes first: EAGAIN asks for a retry, and the end of
// the stream sets the BIO's EOF flag (OpenSSL tells an EOF without close_notify by it).
int staged_reader::bio_read(BIO* bio, char* into, int length) {
  BIO_clear_retry_flags(bio);
  if (length <= 0) return 0;
  const auto wanted = static_cast<std::size_t>(length);
  if (!staged_.empty()) {
    const std::size_t n = std::min(wanted, staged_.size());
    std::memcpy(into, staged_.data(), n);
    staged_ = staged_.subspan(n);
    return static_cast<int>(n);
  }
  ssize_t got = 0;
  do {
    got = ::read(fd_, into, wanted);
  } while (got < 0 && errno == EINTR);
  drained_ = got <= 0 || static_cast<std::size_t>(got) < wanted;
  if (got == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
  return static_cast<int>(got);
}

long staged_reader::bio_control(BIO* bio, int command) const {
  if (command == BIO_CTRL_EOF) return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
  return static_cast<long>(staged());  // BIO_CTRL_PENDING
}

}  // namespace ferry
