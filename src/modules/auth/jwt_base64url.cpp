#include "modules/auth/jwt_base64url.hpp"

#include <optional>
#include <span>
#include <string>
#include <utility>

#include "modules/auth/credential_codec.hpp"

namespace ferry {

// The same strict codec that reads keys, secrets and URL signatures (credential_codec.hpp).
bool base64url_decode(std::string_view text, std::string& out) {
  std::optional<std::string> decoded = credential::decode_base64url(text);
  if (!decoded) {
    out.clear();
    return false;
  }
  out = std::move(*decoded);
  return true;
}

std::string base64url_encode(std::string_view bytes) {
  return credential::encode_base64url(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

}  // namespace ferry
