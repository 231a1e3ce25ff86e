#include "modules/auth/basic_auth.hpp"

#include <optional>
#include <utility>

#include "modules/auth/credential_codec.hpp"
#include "modules/auth/credential_crypto.hpp"

namespace ferry {
namespace {

basic_parse_result refused(credential_verdict verdict, std::string_view reason) {
  basic_parse_result result;
  result.verdict = verdict;
  result.reason = reason;
  return result;
}

bool control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool has_control(std::string_view text) {
  for (const char c : text) {
    if (control(c)) return true;
  }
  return false;
}

bool token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

basic_credentials::basic_credentials(std::string decoded, std::size_t colon)
    : decoded_(std::move(decoded)), colon_(colon) {}

basic_credentials::~basic_credentials() { wipe(); }

basic_credentials::basic_credentials(basic_credentials&& other) noexcept
    : decoded_(std::move(other.decoded_)), colon_(other.colon_) {
  other.wipe();
}

basic_credentials& basic_credentials::operator=(basic_credentials&& other) noexcept {
  if (this != &other) {
    wipe();
    decoded_ = std::move(other.decoded_);
    colon_ = other.colon_;
    other.wipe();
  }
  return *this;
}

void basic_credentials::wipe() {
  // The whole buffer, not just size(): a moved-from short string keeps its bytes in the
  // object's inline buffer with size 0. Growing to the capacity never reallocates.
  decoded_.resize(decoded_.capacity());
  credential::wipe(decoded_.data(), decoded_.size());
  decoded_.clear();
  colon_ = 0;
}

basic_parse_result parse_basic_authorization(std::string_view authorization) {
  constexpr std::string_view scheme = "Basic";
  if (authorization.size() < scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme)) {
    return refused(credential_verdict::missing, "Authorization is not Basic");
  }
  std::string_view rest = authorization.substr(scheme.size());
  if (rest.empty()) return refused(credential_verdict::malformed, "Basic without credentials");
  if (rest.front() != ' ') {
    if (token_char(rest.front())) return refused(credential_verdict::missing, "Authorization is not Basic");
    return refused(credential_verdict::malformed, "Basic not followed by a space");
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return refused(credential_verdict::malformed, "Basic without credentials");
  if (rest.size() > max_basic_token_length) return refused(credential_verdict::malformed, "Basic credentials too long");
  std::optional<std::string> decoded = credential::decode_base64(rest);
  if (!decoded) return refused(credential_verdict::malformed, "Basic credentials are not valid base64");
  if (decoded->size() > max_basic_decoded_length) {
    basic_credentials wiped_on_return(std::move(*decoded), 0);
    return refused(credential_verdict::malformed, "Basic credentials too long");
  }
  // From here on the decoded bytes are owned by `credentials`, so they are wiped however we leave.
  const std::size_t colon = decoded->find(':');
  basic_credentials credentials(std::move(*decoded), colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos) return refused(credential_verdict::malformed, "Basic credentials without ':'");
  if (colon == 0) return refused(credential_verdict::malformed, "Basic credentials with an empty user-id");
  if (colon > max_basic_user_length) return refused(credential_verdict::malformed, "Basic user-id too long");
  if (has_control(credentials.user()) || has_control(credentials.password())) {
    return refused(credential_verdict::malformed, "control character in Basic credentials");
  }
  basic_parse_result result;
  result.verdict = credential_verdict::ok;
  result.credentials = std::move(credentials);
  return result;
}

basic_parse_result parse_basic_authorization(const request& req) {
  std::string_view value;
  std::size_t count = 0;
  for (const header_view& h : req.headers()) {
    if (iequals(h.name, "Authorization")) {
      if (count == 0) value = h.value;
      ++count;
    }
  }
  if (count == 0) return refused(credential_verdict::missing, "no Authorization header");
  if (count > 1) return refused(credential_verdict::malformed, "Authorization header repeated");
  return parse_basic_authorization(value);
}

bool valid_basic_realm(std::string_view realm) { return !realm.empty() && realm.size() <= 128 && !has_control(realm); }

std::string basic_challenge(std::string_view realm) {
  std::string out = "Basic realm=\"";
  for (const char c : realm) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += "\", charset=\"UTF-8\"";
  return out;
}

}  // namespace ferry
