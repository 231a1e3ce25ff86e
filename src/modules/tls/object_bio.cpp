#include "modules/tls/object_bio.hpp"

namespace ferry {

BIO_METHOD* make_object_bio_method(const char* name, const object_bio_callbacks& callbacks) {
  BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
  if (method == nullptr) return nullptr;
  if (callbacks.read != nullptr) BIO_meth_set_read(method, callbacks.read);
  if (callbacks.write != nullptr) BIO_meth_set_write(method, callbacks.write);
  BIO_meth_set_ctrl(method, callbacks.control);
  BIO_meth_set_create(method, [](BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  });
  return method;
}

BIO* new_object_bio(BIO_METHOD* method, void* object) {
  BIO* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio != nullptr) BIO_set_data(bio, object);
  return bio;
}

}  // namespace ferry
