// What a listening socket's connections are: the server decides, the worker's accept loop
// builds connections accordingly.
#pragma once

#include <cstdint>

namespace ferry {

// What a listening socket's connections are.
struct listener_role {
  bool secure = false;                 // TLS through the current configuration's transport
  std::uint16_t redirect_to_port = 0;  // non-zero: plaintext, every request → 308 to https
  bool admin = false;                  // metrics.listen: plaintext, built-in endpoints only
  bool proxy_protocol = false;         // every connection starts with a PROXY header (before TLS)
};

}  // namespace ferry
