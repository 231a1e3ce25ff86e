#include "modules/tls/staged_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "modules/tls/object_bio.hpp"

namespace ferry {

BIO* staged_reader::make_bio() {
  static BIO_METHOD* const method =
      make_object_bio_method("ferry staged reader", {.read = &bio_read, .control = &bio_control});
  return new_object_bio(method, this);
}

// As OpenSSL's socket BIO reads, staged bytes first: EAGAIN asks for a retry, and the end of
// the stream sets the BIO's EOF flag (OpenSSL tells an EOF without close_notify by it).
int staged_reader::bio_read(BIO* bio, char* into, int length) {
  BIO_clear_retry_flags(bio);
  if (length <= 0) return 0;
  auto* self = static_cast<staged_reader*>(BIO_get_data(bio));
  const auto wanted = static_cast<std::size_t>(length);
  if (!self->staged_.empty()) {
    const std::size_t n = std::min(wanted, self->staged_.size());
    std::memcpy(into, self->staged_.data(), n);
    self->staged_ = self->staged_.subspan(n);
    return static_cast<int>(n);
  }
  ssize_t got = 0;
  do {
    got = ::read(self->fd_, into, wanted);
  } while (got < 0 && errno == EINTR);
  self->drained_ = got <= 0 || static_cast<std::size_t>(got) < wanted;
  if (got == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
  return static_cast<int>(got);
}

long staged_reader::bio_control(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_EOF: return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return static_cast<long>(static_cast<staged_reader*>(BIO_get_data(bio))->staged());
    default: return 0;  // not a descriptor BIO, no kTLS (it needs OpenSSL's own socket BIO)
  }
}

}  // namespace ferry
