// Whether a connection's peer is on this host: what files.sendfile = "auto" asks (see
// loopback_copy_from in http1_connection.cpp).
#pragma once

#include <asio/ip/address.hpp>

namespace ferry {

// 127.0.0.0/8 or ::1, also as an IPv4 client of a dual-stack socket (::ffff:127.x.x.x).
inline bool is_loopback_peer(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

}  // namespace ferry
