// Strict base64url (RFC 4648 §5) as JWS compact serialization uses it (RFC 7515 §2): no '='
// padding, no '+' or '/', no whitespace, and the unused low bits of the last character must
// be zero. Refusing every non-canonical spelling means one token has exactly one encoding, so a
// cache keyed by the token's bytes cannot be bypassed with an equivalent spelling.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// Decodes `text` into `out` (replaced). False, with `out` unspecified, on any non-canonical
// input. An empty `text` decodes to an empty `out`.
bool base64url_decode(std::string_view text, std::string& out);

// The canonical encoding of `bytes` (no padding).
std::string base64url_encode(std::string_view bytes);

}  // namespace ferry
