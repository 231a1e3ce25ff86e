#include "modules/auth/jwt_algorithm.hpp"

#include <array>
#include <utility>

namespace ferry {
namespace {

constexpr std::array<std::pair<jwt_algorithm, std::string_view>, 12> names{{
    {jwt_algorithm::hs256, "HS256"}, {jwt_algorithm::hs384, "HS384"},
    {jwt_algorithm::hs512, "HS512"}, {jwt_algorithm::rs256, "RS256"},
    {jwt_algorithm::rs384, "RS384"}, {jwt_algorithm::rs512, "RS512"},
    {jwt_algorithm::ps256, "PS256"}, {jwt_algorithm::ps384, "PS384"},
    {jwt_algorithm::ps512, "PS512"}, {jwt_algorithm::es256, "ES256"},
    {jwt_algorithm::es384, "ES384"}, {jwt_algorithm::eddsa, "EdDSA"},
}};

}  // namespace

std::string_view to_string(jwt_algorithm algorithm) {
  for (const auto& [value, name] : names) {
    if (value == algorithm) return name;
  }
  return "?";
}

std::optional<jwt_algorithm> parse_jwt_algorithm(std::string_view name) {
  for (const auto& [value, known] : names) {
    if (known == name) return value;
  }
  return std::nullopt;
}

jwt_key_family key_family(jwt_algorithm algorithm) {
  switch (algorithm) {
    case jwt_algorithm::hs256:
    case jwt_algorithm::hs384:
    case jwt_algorithm::hs512:
      return jwt_key_family::hmac;
    case jwt_algorithm::rs256:
    case jwt_algorithm::rs384:
    case jwt_algorithm::rs512:
    case jwt_algorithm::ps256:
    case jwt_algorithm::ps384:
    case jwt_algorithm::ps512:
      return jwt_key_family::rsa;
    case jwt_algorithm::es256:
    case jwt_algorithm::es384:
      return jwt_key_family::ec;
    case jwt_algorithm::eddsa:
      return jwt_key_family::okp;
  }
  return jwt_key_family::hmac;
}

const char* digest_name(jwt_algorithm algorithm) {
  switch (algorithm) {
    case jwt_algorithm::hs256:
    case jwt_algorithm::rs256:
    case jwt_algorithm::ps256:
    case jwt_algorithm::es256:
      return "SHA256";
    case jwt_algorithm::hs384:
    case jwt_algorithm::rs384:
    case jwt_algorithm::ps384:
    case jwt_algorithm::es384:
      return "SHA384";
    case jwt_algorithm::hs512:
    case jwt_algorithm::rs512:
    case jwt_algorithm::ps512:
      return "SHA512";
    case jwt_algorithm::eddsa:
      return "";
  }
  return "";
}

std::size_t digest_size(jwt_algorithm algorithm) {
  switch (algorithm) {
    case jwt_algorithm::hs256:
    case jwt_algorithm::rs256:
    case jwt_algorithm::ps256:
    case jwt_algorithm::es256:
      return 32;
    case jwt_algorithm::hs384:
    case jwt_algorithm::rs384:
    case jwt_algorithm::ps384:
    case jwt_algorithm::es384:
      return 48;
    case jwt_algorithm::hs512:
    case jwt_algorithm::rs512:
    case jwt_algorithm::ps512:
      return 64;
    case jwt_algorithm::eddsa:
      return 0;
  }
  return 0;
}

}  // namespace ferry
