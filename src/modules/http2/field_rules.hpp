// Field names and values in HTTP/2 (RFC 9113 §8.2): names are lower-case tokens, values carry
// no NUL, CR, LF or other control but HTAB and no whitespace at either end, and the fields of
// one HTTP/1.1 connection (§8.2.2) have no place.
#pragma once

#include <string_view>

namespace ferry {

// Writes `name` lower-cased to `out` (name.size() bytes); false when it is not a token.
bool lower_field_name(std::string_view name, char* out);
// Whether `name`, already lower-case, is a token of lower-case characters.
bool lower_case_token(std::string_view name);
// Whether HTTP/2 may carry `value` as a field value.
bool valid_field_value(std::string_view value);
// Whether `any_case` is `lower` (a lower-cased token) in some case.
bool same_field_name(std::string_view any_case, std::string_view lower);
// connection, keep-alive, proxy-connection, transfer-encoding, upgrade (lower-case names).
bool connection_specific_field(std::string_view lower_name);

}  // namespace ferry
