#include "modules/tls/tls_transport.hpp"

#include <utility>

#include "modules/tls/tls_session.hpp"

namespace ferry {

std::shared_ptr<tls_transport> tls_transport::create(tls_config config, std::vector<std::string> alpn_protocols,
                                                     std::vector<tls_problem>& problems,
                                                     ticket_key_ring::clock_function ticket_clock) {
  auto context = std::make_unique<tls_context>(std::move(config), std::move(alpn_protocols), std::move(ticket_clock));
  if (!context->load(problems)) return nullptr;
  return std::make_shared<tls_transport>(std::move(context));
}

tls_transport::tls_transport(std::unique_ptr<tls_context> context) : context_(std::move(context)) {}

std::unique_ptr<secure_session> tls_transport::open(int fd) const {
  return tls_session::open(context_->current(), fd);
}

}  // namespace ferry
