// Text encodings of credential material: base64 (RFC 4648 §4, for Basic auth), base64url
// without padding (§5, for generated keys, secrets and URL signatures) and lower-case hex (for
// stored key hashes). Decoders are strict and canonical: one text per byte string, so a value
// cannot be re-spelled (unused trailing bits must be zero, no whitespace, no stray padding).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/text_escape.hpp"  // encode_hex

namespace ferry::credential {

std::string encode_base64url(std::span<const unsigned char> bytes);  // no padding
std::optional<std::string> decode_base64url(std::string_view text);  // no padding accepted

// Standard alphabet with the padding RFC 7617 requires: the length is a multiple of 4.
std::optional<std::string> decode_base64(std::string_view text);

using ferry::encode_hex;  // lower case (http/text_escape.hpp)
// Exactly 2*out.size() lower-case hex digits.
bool decode_hex(std::string_view text, std::span<unsigned char> out);

}  // namespace ferry::credential
