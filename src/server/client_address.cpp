#include "server/client_address.hpp"

#include "http/request.hpp"
#include "log/logging.hpp"

namespace ferry {

client_address_resolver::client_address_resolver(const client_address_config& cfg) {
  for (const auto& network : cfg.trusted_proxies) {
    // The loader and validate_config checked every entry with the same syntax.
    const std::string problem = trusted_.add(network);
    if (!problem.empty()) log::warn("client_address.trusted_proxies: \"{}\" ignored: {}", network, problem);
  }
  header_ = cfg.header == client_address_header::forwarded ? forwarded_header::forwarded
                                                           : forwarded_header::x_forwarded_for;
  active_ = cfg.header != client_address_header::none && !trusted_.empty();
}

std::string_view client_address_resolver::resolve(std::string_view peer, const request& req,
                                                  std::string& storage) const {
  if (!active_ || !trusted_.allows(peer)) return peer;
  const forwarded_client client = resolve_forwarded_client(peer, trusted_, header_, req);
  if (client.address == peer) return peer;
  storage.assign(client.address);
  return storage;
}

}  // namespace ferry
