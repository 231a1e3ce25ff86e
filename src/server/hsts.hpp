// Strict-Transport-Security on responses sent over TLS (RFC 6797 §7.2: never in the clear).
#pragma once

#include "http/response.hpp"
#include "server/site.hpp"

namespace ferry {

// Adds the configured [tls] hsts value unless a header rule already set the field.
inline void add_hsts(const site& s, response& r) {
  const auto& tls = s.cfg->extensions.tls;
  if (tls && !tls->hsts().empty() && r.get("Strict-Transport-Security").empty()) {
    r.set("Strict-Transport-Security", tls->hsts());
  }
}

}  // namespace ferry
