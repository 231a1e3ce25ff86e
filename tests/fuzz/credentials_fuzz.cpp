// Fuzzes the readers of credentials a client presents: the first byte picks the reader, the
// rest is its input. Any broken invariant traps.
//   0  Authorization: Basic: accepted credentials have a user of 1..255 bytes without a colon,
//      no control characters on either side
//   1  Authorization: Bearer and 2  an API key header: an accepted key is visible ASCII, at
//      most max_api_key_length, and lies inside the value; a repeated header never passes
//   3  the codecs: a decoded hex text encodes back to exactly its input, and a decoded base64
//      text has the length its input implies (base64url's round trip is jwt_fuzz's: the JWT
//      codec is this one)
//   4  signed URLs (lines: path, query, client address): a query that passes carries each of
//      expires, kid and sig once, not yet expired, and is the one sign_url writes for that
//      path; and what sign_url writes for the path passes, other parameters added or not
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/text_escape.hpp"
#include "modules/auth/api_key_extract.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/basic_auth.hpp"
#include "modules/auth/credential_codec.hpp"
#include "modules/auth/signed_url.hpp"

namespace {

using ferry::fuzz::check;

bool has_control(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

bool starts_with_scheme(std::string_view value, std::string_view lower_scheme) {
  if (value.size() < lower_scheme.size()) return false;
  for (std::size_t i = 0; i < lower_scheme.size(); ++i) {
    const char c = value[i] >= 'A' && value[i] <= 'Z' ? static_cast<char>(value[i] - 'A' + 'a') : value[i];
    if (c != lower_scheme[i]) return false;
  }
  return true;
}

void fuzz_basic(std::string_view input) {
  const ferry::basic_parse_result result = ferry::parse_basic_authorization(input);
  if (result.verdict != ferry::credential_verdict::ok) return;
  check(starts_with_scheme(input, "basic "));
  const std::string_view user = result.credentials.user();
  const std::string_view password = result.credentials.password();
  check(!user.empty() && user.size() <= ferry::max_basic_user_length);
  check(user.find(':') == std::string_view::npos);
  check(!has_control(user) && !has_control(password));
}

void check_key(const ferry::presented_api_key& presented, std::string_view value) {
  if (presented.verdict != ferry::credential_verdict::ok) return;
  const std::string_view key = presented.key;
  check(!key.empty() && key.size() <= ferry::max_api_key_length);
  check(key.data() >= value.data() && key.data() + key.size() <= value.data() + value.size());
  for (const char c : key) check(c > 0x20 && c < 0x7f);
}

void fuzz_bearer(std::string_view input) {
  const ferry::presented_api_key presented = ferry::parse_bearer(input);
  if (presented.verdict == ferry::credential_verdict::ok) check(starts_with_scheme(input, "bearer"));
  check_key(presented, input);
}

void fuzz_api_key_header(std::string_view input, std::size_t count) {
  const ferry::presented_api_key presented = ferry::parse_api_key_header(input, count);
  if (count != 1) check(presented.verdict != ferry::credential_verdict::ok);
  check_key(presented, input);
}

void fuzz_codecs(std::string_view input) {
  if (const auto decoded = ferry::credential::decode_base64(input)) {
    check(input.size() % 4 == 0);
    const std::size_t padding = input.ends_with("==") ? 2 : input.ends_with("=") ? 1 : 0;
    check(decoded->size() == input.size() / 4 * 3 - padding);
  }

  std::vector<unsigned char> bytes(input.size() / 2);
  if (ferry::credential::decode_hex(input, bytes)) {
    check(input.size() % 2 == 0);
    check(ferry::encode_hex(bytes) == input);
  }
}

// The value of the one parameter `name` in `query`, or nullopt when it is absent or repeated.
std::optional<std::string_view> only_parameter(std::string_view query, std::string_view name) {
  std::optional<std::string_view> found;
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view parameter = query.substr(0, end);
    const std::size_t equals = parameter.find('=');
    if (parameter.substr(0, equals) == name) {
      if (found) return std::nullopt;
      found = equals == std::string_view::npos ? std::string_view() : parameter.substr(equals + 1);
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return found;
}

void fuzz_signed_url(std::string_view input, std::uint8_t flags) {
  static const std::string secret(ferry::min_url_signing_secret_length, 's');
  static const std::shared_ptr<const ferry::url_signing_key_set> keys = [] {
    std::vector<ferry::url_signing_key> list;
    list.push_back({"k1", secret, "fuzz"});
    return ferry::make_url_signing_key_set(std::move(list)).set;
  }();
  check(keys != nullptr);
  constexpr std::int64_t now = 1800000000;
  ferry::signed_url_options options;
  options.bind_client_ip = (flags & 0x40) != 0;
  options.max_lifetime = (flags & 0x80) != 0 ? 3600 : 0;
  const std::vector<std::string_view> lines = ferry::fuzz::lines_of(input, 3);
  const std::string_view path = lines[0], query = lines[1], ip = lines[2];

  const ferry::credential_result result = ferry::verify_signed_url(*keys, options, path, query, ip, now);
  if (result.verdict == ferry::credential_verdict::ok) {
    const auto expires = only_parameter(query, "expires");
    const auto kid = only_parameter(query, "kid");
    const auto sig = only_parameter(query, "sig");
    check(expires && kid && sig && *kid == "k1");
    std::int64_t expiry = 0;
    for (const char digit : *expires) expiry = expiry * 10 + (digit - '0');
    check(expiry > now && (options.max_lifetime == 0 || expiry - now <= options.max_lifetime));
    const std::string signed_query =
        ferry::sign_url(path, expiry, *kid, secret, options.bind_client_ip ? ip : "");
    check(signed_query == "expires=" + std::string(*expires) + "&kid=k1&sig=" + std::string(*sig));
  }

  // A bound link needs the address (sign_url takes an empty one as "not bound").
  if (options.bind_client_ip && ip.empty()) return;
  const std::string issued = ferry::sign_url(path, now + 60, "k1", secret, options.bind_client_ip ? ip : "");
  if (issued.empty()) return;
  for (const std::string& link : {issued, "x=1&" + issued, issued + "&v=2"}) {
    check(ferry::verify_signed_url(*keys, options, path, link, ip, now).verdict == ferry::credential_verdict::ok);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0:
      fuzz_basic(input);
      break;
    case 1:
      fuzz_bearer(input);
      break;
    case 2:
      // The top bits say how many times the request carries the header (0, 1 or 2).
      fuzz_api_key_header(input, (data[0] >> 6) % 3);
      break;
    case 3:
      fuzz_codecs(input);
      break;
    default:
      fuzz_signed_url(input, data[0]);
      break;
  }
  return 0;
}
