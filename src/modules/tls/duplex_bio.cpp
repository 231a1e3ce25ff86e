#include "modules/tls/duplex_bio.hpp"

namespace ferry {
namespace {

duplex_ends& ends_of(BIO* bio) { return *static_cast<duplex_ends*>(BIO_get_data(bio)); }

int read(BIO* bio, char* into, int length) { return ends_of(bio).reader.bio_read(bio, into, length); }

int write(BIO* bio, const char* data, int length) { return ends_of(bio).gatherer.bio_write(bio, data, length); }

long control(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_EOF:
    case BIO_CTRL_PENDING: return ends_of(bio).reader.bio_control(bio, command);
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_WPENDING: return ends_of(bio).gatherer.bio_control(bio, command);
    default: return 0;  // not a descriptor BIO, no kTLS (it needs OpenSSL's own socket BIO), no datagrams
  }
}

// Made once and kept for the process.
BIO_METHOD* make_method() {
  BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ferry duplex");
  if (method == nullptr) return nullptr;
  BIO_meth_set_read(method, &read);
  BIO_meth_set_write(method, &write);
  BIO_meth_set_ctrl(method, &control);
  BIO_meth_set_create(method, [](BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  });
  return method;
}

}  // namespace

BIO* new_duplex_bio(duplex_ends* ends) {
  static BIO_METHOD* const method = make_method();
  BIO* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio != nullptr) BIO_set_data(bio, ends);
  return bio;
}

}  // namespace ferry
