// What authorization decides about: who is asking (the principal, as authentication left it)
// and what they ask for (request attributes). Plain data: the authenticators fill a principal,
// the core fills the request attributes from the parsed request, and the policy only reads both.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace ferry {

// How the principal proved who it is. `none` is the anonymous principal.
enum class auth_method : std::uint8_t { none, api_key, jwt, mtls, basic, signed_url };

// "none", "api_key", "jwt", "mtls", "basic", "signed_url": the names the config and the audit use.
std::string_view auth_method_name(auth_method method);
// The inverse of auth_method_name for the five real methods ("none" is not a method one can
// require). False for anything else.
bool parse_auth_method(std::string_view name, auth_method& out);

// A small set of methods, e.g. the credential checks a rule accepts.
class auth_method_set {
 public:
  constexpr auth_method_set() = default;
  constexpr auth_method_set(std::initializer_list<auth_method> methods) {
    for (const auth_method m : methods) add(m);
  }
  constexpr void add(auth_method m) { bits_ = static_cast<std::uint8_t>(bits_ | bit(m)); }
  constexpr void add(auth_method_set other) { bits_ = static_cast<std::uint8_t>(bits_ | other.bits_); }
  constexpr bool contains(auth_method m) const { return (bits_ & bit(m)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint8_t bits() const { return bits_; }
  constexpr bool operator==(const auth_method_set&) const = default;

 private:
  static constexpr std::uint8_t bit(auth_method m) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(m));
  }
  std::uint8_t bits_ = 0;
};

struct named_claim {
  std::string name;
  std::string value;
};

struct named_list_claim {
  std::string name;
  std::vector<std::string> values;
};

// The authenticated identity. Built once per request by whichever authenticator succeeded.
struct principal {
  auth_method method = auth_method::none;
  // A credential was presented but did not verify (bad signature, unknown key, expired...).
  // The principal is then anonymous for the rules, but a refusal is a 401, and the audit says why.
  bool credentials_rejected = false;
  std::string subject;  // JWT "sub", the API key's owner, the basic-auth user, the cert subject CN
  std::string key_id;   // API key id or JWT "kid"
  std::string tenant;
  std::vector<std::string> roles;
  std::vector<named_claim> claims;            // string-valued claims ("email", "org")
  std::vector<named_list_claim> list_claims;  // string-list claims ("groups", "scp")
  std::string certificate_subject;            // mTLS: the client certificate's subject DN
  std::vector<std::string> certificate_sans;  // mTLS: DNS/URI/email SANs as text

  bool authenticated() const { return method != auth_method::none; }
  bool has_role(std::string_view role) const;
  // The first claim of that name (names compare exactly), or nullptr.
  const std::string* claim(std::string_view name) const;
  const std::vector<std::string>* list_claim(std::string_view name) const;
};

// The request as the policy sees it. Views into the request and the connection; valid for the
// duration of one decision.
struct request_attributes {
  std::string_view vhost;           // the virtual host the router chose (lower case)
  std::string_view path;            // decoded and normalised, starts with '/'
  std::string_view method;          // the method token as sent ("GET"); case-sensitive
  std::string_view client_address;  // numeric text, "192.0.2.1" or "2001:db8::1" (zone id allowed)
  bool tls = false;
  std::span<const header_view> headers;
  std::chrono::system_clock::time_point now{};  // filled by the caller: tests pass a fixed time

  // The value of the header `name` (ASCII case-insensitive) when it occurs exactly once. A header
  // sent twice is ambiguous (a proxy may have read the other copy), so conditions on it fail:
  // returns false then, as when it is absent. Linear in the number of headers.
  bool single_header(std::string_view name, std::string_view& value) const;
};

}  // namespace ferry
