// One address to listen on. Its own header because module interfaces (TLS listeners) name it
// without depending on the whole configuration.
#pragma once

#include <cstdint>
#include <string>

namespace ferry {

struct listener_config {
  std::string host = "0.0.0.0";  // IPv4 or IPv6 literal (no brackets) or "localhost"
  std::uint16_t port = 8080;     // 0 binds a free port; the log line shows the real one
  // Every connection starts with a PROXY protocol header (v1 or v2) from a load balancer, whose
  // source address then is the connection's address. Trusted because the listener says so:
  // only for listeners that nothing but the balancer can reach.
  bool proxy_protocol = false;
};

}  // namespace ferry
