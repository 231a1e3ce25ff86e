// Who a request is from, behind load balancers: the connection's address (after any PROXY
// protocol header), or the client a trusted proxy names in X-Forwarded-For or Forwarded
// ([client_address]). HTTP/1.x and HTTP/2 resolve every request the same way; the answer is
// what the access log, the auth module and rate limits see.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/cidr_list.hpp"
#include "policy/forwarded_client.hpp"

namespace ferry {

struct request;

// Built once per configuration (by each worker); read-only per request.
class client_address_resolver {
 public:
  client_address_resolver() = default;  // resolves nothing: every request is its peer's
  explicit client_address_resolver(const client_address_config& cfg);

  // False when no request can be attributed to anyone but its peer ([client_address] left out,
  // no trusted proxies, or header = "none").
  bool active() const { return active_; }

  // The client of `req` on a connection whose address is `peer` (numeric text): `peer` itself
  // unless it is a trusted proxy that names another address, which is then kept in `storage`
  // (the caller's, reused from request to request) and returned from there. Allocates nothing
  // when inactive or when the peer is not trusted.
  std::string_view resolve(std::string_view peer, const request& req, std::string& storage) const;

 private:
  cidr_list trusted_;
  forwarded_header header_ = forwarded_header::x_forwarded_for;
  bool active_ = false;
};

}  // namespace ferry
