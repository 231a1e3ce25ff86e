// Finding the API key in a request: `Authorization: Bearer <key>` and/or a configured header
// such as X-API-Key. Extraction only checks the shape; api_key_set::check decides.
#pragma once

#include <string>
#include <string_view>

#include "http/request.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/credential_result.hpp"

namespace ferry {

struct api_key_sources {
  bool bearer = true;  // Authorization: Bearer <key> (scheme name case-insensitive)
  std::string header;  // another header holding just the key, e.g. "X-API-Key"; "" = none
};

struct presented_api_key {
  // missing: no key in any configured place (an Authorization header with another scheme
  //   counts as missing: another check may own it);
  // malformed: the header is repeated, both places carry a key, "Bearer" without a key, or
  //   the key is empty, longer than max_api_key_length, or not visible ASCII;
  // ok: `key` is the presented key (a view into the request).
  credential_verdict verdict = credential_verdict::missing;
  std::string_view key;
  std::string_view reason;  // fixed text, never the key
};

presented_api_key extract_api_key(const request& req, const api_key_sources& sources);

// The key in one Authorization value, if its scheme is Bearer: ok with the key, missing for
// another scheme, malformed for a Bearer value without a single valid key.
presented_api_key parse_bearer(std::string_view authorization);

// The key in the configured API key header, given that header's value and how many times the
// request carries it (as one scan of the headers found them): what extract_api_key decides for
// that header alone (bearer off).
presented_api_key parse_api_key_header(std::string_view value, std::size_t count);

// extract_api_key then set.check: the whole API-key check of one request.
credential_result check_api_key(const request& req, const api_key_sources& sources, const api_key_set& set,
                                std::int64_t now);

}  // namespace ferry
