// BIOs of ferry's own: a source/sink whose callbacks reach a C++ object kept in the BIO's data
// (record_gatherer writes, staged_reader reads).
#pragma once

#include <openssl/bio.h>

namespace ferry {

struct object_bio_callbacks {
  int (*read)(BIO*, char*, int) = nullptr;
  int (*write)(BIO*, const char*, int) = nullptr;
  long (*control)(BIO*, int, long, void*) = nullptr;
};

// A method with these callbacks, named `name`; null when OpenSSL cannot allocate. Make it once
// per kind (a function-local static) and keep it for the process.
BIO_METHOD* make_object_bio_method(const char* name, const object_bio_callbacks& callbacks);

// A BIO of `method` whose data is `object`; null when `method` is null or OpenSSL cannot allocate.
BIO* new_object_bio(BIO_METHOD* method, void* object);

}  // namespace ferry
