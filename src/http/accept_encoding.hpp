// Content negotiation on Accept-Encoding (RFC 9110 §12.5.3).
#pragma once

#include <span>
#include <string_view>

namespace ferry {

// Picks the coding to send among `available` (server preference order, e.g. br, zstd, gzip),
// given the request's Accept-Encoding value. The client's q-values rank first (q=0 excludes,
// "*" covers codings not named, "x-gzip" means gzip); ties go to the server's order. Returns
// an empty view for identity — also when the header is absent or nothing else is acceptable.
std::string_view choose_encoding(std::string_view accept_encoding,
                                 std::span<const std::string_view> available);

}  // namespace ferry
