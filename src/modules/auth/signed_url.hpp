// Signed URLs: a link that grants access to one path until an expiry time, optionally only from
// one client address, without any credential in the request. It replaces nginx's MD5
// secure_link with HMAC-SHA256 and named keys, so secrets can rotate.
//
// The query carries three parameters (any order, each exactly once, values unencoded):
//   expires=<Unix seconds>   decimal, no sign, no leading zero, at most 12 digits
//   kid=<key id>             1..64 of [A-Za-z0-9._-]
//   sig=<signature>          base64url without padding (43 characters) of
//                            HMAC-SHA256(secret, canonical)
// where canonical is these five lines joined by "\n" (LF, no trailing newline):
//   ferry-signed-url-v1
//   <kid>
//   <expires>               the same decimal text as in the query
//   <client ip>             numeric text as the server sees it (inet_ntop form, IPv6 zone
//                           allowed as "%zone"), or empty when the link is not bound
//   <path>                  the request path exactly as the server passes it to the check
// The path comes last, so whatever bytes it holds, the canonical string can be split back into
// its fields in only one way: no two different (kid, expires, ip, path) share a signature.
//
// The link is valid while now < expires. Other query parameters are allowed and not signed
// (a static file server ignores them); a repeated parameter of any name is refused.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/credential_file.hpp"
#include "modules/auth/credential_result.hpp"

namespace ferry {

inline constexpr std::size_t min_url_signing_secret_length = 32;  // bytes
inline constexpr std::size_t max_signed_url_query_length = 4096;
inline constexpr std::size_t max_signed_url_query_parameters = 64;
inline constexpr std::size_t max_signed_url_ip_length = 64;  // IPv6 text (45) with a zone id
inline constexpr std::string_view signed_url_version = "ferry-signed-url-v1";

// A signing key as the config or the key file gives it.
struct url_signing_key {
  std::string id;      // 1..64 of [A-Za-z0-9._-]; unique
  std::string secret;  // raw bytes, at least 32 (decode_url_signing_secret turns text into this)
  std::string origin;  // where it was written, for errors
};

// Secrets are written in config and files as base64url without padding (what
// generate_url_signing_secret prints); nullopt unless that decodes to at least 32 bytes.
std::optional<std::string> decode_url_signing_secret(std::string_view text);
// 32 random bytes as base64url; "" when the random generator fails. For `ferry generate-key`.
std::string generate_url_signing_secret();

struct url_signing_key_set_result;

class url_signing_key_set {
 public:
  ~url_signing_key_set();  // wipes the secrets
  url_signing_key_set() = default;
  url_signing_key_set(const url_signing_key_set&) = delete;
  url_signing_key_set& operator=(const url_signing_key_set&) = delete;

  std::size_t size() const { return keys_.size(); }
  // The key named `kid`, or null.
  const url_signing_key* find(std::string_view kid) const;
  const credential_principal* principal_of(std::string_view kid) const;

 private:
  friend url_signing_key_set_result make_url_signing_key_set(std::vector<url_signing_key> keys);
  std::vector<url_signing_key> keys_;
  std::vector<credential_principal> principals_;  // parallel to keys_: id = kid, no roles
};

struct url_signing_key_set_result {
  std::shared_ptr<const url_signing_key_set> set;  // null when there were errors
  std::vector<std::string> errors;                 // never a secret
};

// Several keys may be active at once: sign with the new one while links signed with the old
// one still work, then drop the old one.
url_signing_key_set_result make_url_signing_key_set(std::vector<url_signing_key> keys);

// Key file: one key per line, "<kid> <secret as base64url>", '#' comments and blank lines.
struct url_signing_key_file_load {
  std::shared_ptr<const url_signing_key_set> set;  // null when there were errors: keep the old set
  credential::file_stamp stamp;
  std::vector<std::string> errors;
};
url_signing_key_file_load parse_url_signing_keys(std::string_view text, std::string_view origin,
                                                 std::span<const url_signing_key> config_keys = {});
url_signing_key_file_load load_url_signing_key_file(const std::string& path,
                                                    std::span<const url_signing_key> config_keys = {});

struct signed_url_options {
  bool bind_client_ip = false;    // the canonical string holds the client's address
  std::int64_t max_lifetime = 0;  // > 0: refuse links whose expiry is further than this from now
};

// The canonical string above (for tests and docs).
std::string signed_url_canonical(std::string_view path, std::string_view expires, std::string_view kid,
                                 std::string_view client_ip);

// The query string (without '?') that signs `path`: "expires=<n>&kid=<kid>&sig=<sig>".
// `client_ip` empty = not bound. "" when kid is invalid, the secret is shorter than 32 bytes,
// expires is negative, the ip is malformed, or HMAC fails. For `ferry sign-url` and tests.
std::string sign_url(std::string_view path, std::int64_t expires, std::string_view kid, std::string_view secret,
                     std::string_view client_ip = {});

// A whole link as `ferry sign-url` prints it: "<path percent-encoded>?<sign_url's query>".
// `path` is written as the server verifies it: decoded (a space, not "%20"; a '%' is itself),
// UTF-8, starting with '/'. Repeated '/' and "." segments are resolved the way the server
// normalises the request path, and the link carries that form. Refused, with `error` saying
// why: no leading '/', a ".." segment (the link would name another path than the one written),
// bytes the server never serves (NUL, controls, backslash, invalid UTF-8), and whatever sign_url
// refuses. The encoding keeps RFC 3986 path characters and encodes every other byte.
struct signed_link {
  std::string link;   // "" on error
  std::string error;  // "" on success
};
signed_link sign_url_path(std::string_view path, std::int64_t expires, std::string_view kid, std::string_view secret,
                          std::string_view client_ip = {});

// Checks `query` (the raw text after '?', without it) for `path`.
// missing: none of expires/kid/sig present. malformed: only some, a repeated parameter,
// an empty parameter (e.g. "a&&b"), a bad value, more than 64 parameters or 4096 bytes, or an
// expiry beyond max_lifetime. unknown: no key `kid`. bad_secret: the signature does not match
// (also a link bound to another address). expired: signature good, now >= expires.
// error: bind_client_ip is set but client_ip is empty or not an address, or HMAC failed.
// On ok the principal's id is the kid (no roles); `subject` is the kid when it names a known key.
credential_result verify_signed_url(const url_signing_key_set& keys, const signed_url_options& options,
                                    std::string_view path, std::string_view query, std::string_view client_ip,
                                    std::int64_t now);

}  // namespace ferry
