// Escaping text that came from a request (or from disk) for the places it is written to:
// URLs (percent-encoding) and JSON strings (access log, error log, listings); and bytes as hex
// (digests, fingerprints).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ferry {

// U+FFFD, written in place of bytes that are not valid UTF-8.
inline constexpr std::string_view utf8_replacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 when the byte there does not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Appends `text` with every byte percent-encoded except RFC 3986 unreserved characters and
// those listed in `also_keep` (e.g. "/" for a path).
void append_percent_encoded(std::string& out, std::string_view text, std::string_view also_keep = {});

// Appends `text` as the contents of a JSON string (without the quotes): quotes, backslashes and
// control characters escaped, valid UTF-8 kept, invalid bytes replaced by U+FFFD. The result is
// valid JSON whatever the input.
void append_json_escaped(std::string& out, std::string_view text);

// `bytes` as lower-case hex, two digits per byte.
std::string encode_hex(std::span<const unsigned char> bytes);

}  // namespace ferry
