// Host names a certificate serves, and matching a request's host against them: exact, or a
// wildcard for exactly one leftmost label ("*.example.com" covers "a.example.com", not
// "a.b.example.com" nor "example.com"), ignoring ASCII case and one trailing dot.
#pragma once

#include <openssl/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// A configurable name: "example.com" or "*.example.com" (wildcard only as the whole first
// label, followed by at least two labels); labels of letters, digits, '-' and '_', 1..63 bytes
// each, 253 bytes at most.
bool valid_certificate_name(std::string_view name);

// Lower-case ASCII copy.
std::string lower_ascii(std::string_view text);

// `pattern` is lower-case (as stored); `host` may have any case and one trailing dot.
bool certificate_name_matches(std::string_view pattern, std::string_view host);
bool certificate_names_cover(const std::vector<std::string>& patterns, std::string_view host);

// The DNS subjectAltName entries of `certificate`, lower-cased; when it has none, its subject
// CN if that is a valid name. Entries that are not valid names are left out.
std::vector<std::string> certificate_dns_names(X509* certificate);

}  // namespace ferry
