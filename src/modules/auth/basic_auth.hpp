// HTTP Basic authentication (RFC 7617): parsing `Authorization: Basic base64(user:pass)` and
// writing the challenge. Verification against a password file is htpasswd.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "modules/auth/credential_result.hpp"

namespace ferry {

inline constexpr std::size_t max_basic_token_length = 1368;  // base64 of max_basic_decoded_length
inline constexpr std::size_t max_basic_decoded_length = 1024;
inline constexpr std::size_t max_basic_user_length = 255;

// The decoded user-id and password. Owns the decoded bytes and wipes them when destroyed.
class basic_credentials {
 public:
  basic_credentials() = default;
  basic_credentials(std::string decoded, std::size_t colon);
  ~basic_credentials();
  basic_credentials(basic_credentials&& other) noexcept;
  basic_credentials& operator=(basic_credentials&& other) noexcept;
  basic_credentials(const basic_credentials&) = delete;
  basic_credentials& operator=(const basic_credentials&) = delete;

  std::string_view user() const { return std::string_view(decoded_).substr(0, colon_); }
  std::string_view password() const { return std::string_view(decoded_).substr(colon_ + 1); }

 private:
  void wipe();
  std::string decoded_;
  std::size_t colon_ = 0;
};

struct basic_parse_result {
  // ok: `credentials` holds user and password. missing: no Authorization header, or another
  // scheme. malformed: a Basic header that breaks the rules below, or a repeated Authorization.
  credential_verdict verdict = credential_verdict::missing;
  basic_credentials credentials;
  std::string_view reason;  // fixed text, never request bytes
};

// One Authorization value. Strict RFC 7617: "Basic" (any case), one or more spaces, then
// base64 in the standard alphabet with padding (length a multiple of 4, canonical, no
// whitespace), at most max_basic_token_length characters. Decoded: user-id ':' password,
// split at the first colon; the user-id is 1..255 bytes; neither part may contain control
// characters (including NUL); other bytes (UTF-8) are passed through unchanged.
basic_parse_result parse_basic_authorization(std::string_view authorization);

// The same on a request's Authorization header (missing when absent; malformed when repeated).
basic_parse_result parse_basic_authorization(const request& req);

// A realm for the challenge: 1..128 bytes, no control characters.
bool valid_basic_realm(std::string_view realm);
// The WWW-Authenticate value: Basic realm="<realm>", charset="UTF-8" ('"' and '\' escaped).
std::string basic_challenge(std::string_view realm);

}  // namespace ferry
