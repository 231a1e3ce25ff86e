#include "modules/auth/credential_token.hpp"

namespace ferry::credential {
namespace {

bool alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool made_of(std::string_view text, std::size_t max_length, std::string_view extra) {
  if (text.empty() || text.size() > max_length) return false;
  for (const char c : text) {
    if (!alnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

bool valid_id(std::string_view id) { return made_of(id, max_id_length, "._:@+-"); }

bool valid_role(std::string_view role) { return made_of(role, max_role_length, "._:-"); }

bool valid_url_key_id(std::string_view id) { return made_of(id, 64, "._-"); }

bool visible_ascii(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  return true;
}

}  // namespace ferry::credential
