// Who a verified client certificate is: rules in [auth.mtls] map the subject DN or a SAN (DNS
// name, URI such as a SPIFFE ID, email) to a principal name, roles and a tenant. First match
// wins, in config order. A certificate no rule maps is either known by its subject DN with no
// roles (`unmapped = "subject"`, the default) or not accepted as a credential at all
// (`unmapped = "reject"`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modules/secure_transport.hpp"

namespace ferry {

enum class certificate_field : std::uint8_t { subject, dns, uri, email };

struct certificate_identity_rule {
  certificate_field field = certificate_field::subject;
  // Exact value, or a prefix when it ends in '*' ("spiffe://example.org/ns/prod/*"). DNS names
  // compare without regard to ASCII case; everything else exactly.
  std::string pattern;
  std::string principal;  // "" = the matched value itself
  std::vector<std::string> roles;
  std::string tenant;
};

struct certificate_identity {
  std::string principal;
  std::vector<std::string> roles;
  std::string tenant;
};

class certificate_identity_map {
 public:
  certificate_identity_map() = default;
  certificate_identity_map(std::vector<certificate_identity_rule> rules, bool reject_unmapped)
      : rules_(std::move(rules)), reject_unmapped_(reject_unmapped) {}

  // The identity of a verified certificate, or false when it must not authenticate anyone.
  bool resolve(const tls_peer_info& peer, certificate_identity& out) const;

  // "" or what is wrong with a pattern (empty, '*' other than last, control characters).
  static std::string check_pattern(std::string_view pattern);

 private:
  std::vector<certificate_identity_rule> rules_;
  bool reject_unmapped_ = false;
};

}  // namespace ferry
