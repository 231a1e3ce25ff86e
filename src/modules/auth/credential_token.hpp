// Which characters ids and roles of stored credentials may use: enough for names, e-mail-like
// ids and UUIDs, nothing that needs quoting in a log line, a header or a credential file.
#pragma once

#include <cstddef>
#include <string_view>

namespace ferry::credential {

inline constexpr std::size_t max_id_length = 128;
inline constexpr std::size_t max_role_length = 64;

// 1..max_id_length characters of [A-Za-z0-9._:@+-].
bool valid_id(std::string_view id);
// 1..max_role_length characters of [A-Za-z0-9._:-].
bool valid_role(std::string_view role);
// 1..64 characters of [A-Za-z0-9._-]: usable unencoded in a URL query (signing key ids).
bool valid_url_key_id(std::string_view id);

// Printable ASCII without space (0x21..0x7e): what a presented API key may contain.
bool visible_ascii(std::string_view text);

}  // namespace ferry::credential
