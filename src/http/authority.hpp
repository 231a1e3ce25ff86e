// Validation of the authority in a Host header or an absolute-form target (RFC 3986 §3.2).
#pragma once

#include <string_view>

namespace ferry {

// host [":" port] where host is a reg-name (unreserved, pct-encoded, sub-delims), an IPv4
// address, or an IP-literal in brackets; port is up to 5 digits ≤ 65535. No userinfo ('@'),
// no '/', no whitespace. An empty value is valid (RFC 9112 §3.2).
bool is_valid_authority(std::string_view authority);

// The host part without the port and brackets, lower-case comparison is the caller's.
std::string_view authority_host(std::string_view authority);

}  // namespace ferry
