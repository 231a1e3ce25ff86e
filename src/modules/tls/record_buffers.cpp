#include "modules/tls/record_buffers.hpp"

#include <openssl/crypto.h>

namespace ferry {

bool free_buffers_is_safe(unsigned long version) {
  const unsigned long major = (version >> 28) & 0xf;
  const unsigned long minor = (version >> 20) & 0xff;
  const unsigned long patch = (version >> 4) & 0xff;
  if (major != 3) return major > 3;
  switch (minor) {
    case 0: return patch >= 14;
    case 1: return patch >= 6;
    case 2: return patch >= 2;
    case 3: return patch >= 1;
    default: return true;
  }
}

bool release_buffers_by_hand() {
  static const bool safe = free_buffers_is_safe(OpenSSL_version_num());
  return safe;
}

}  // namespace ferry
