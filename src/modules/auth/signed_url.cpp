#include "modules/auth/signed_url.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>

#include "files/path_normalize.hpp"
#include "http/text_escape.hpp"
#include "modules/auth/credential_codec.hpp"
#include "modules/auth/credential_crypto.hpp"
#include "modules/auth/credential_token.hpp"

namespace ferry {
namespace {

constexpr std::size_t signature_text_length = 43;  // base64url of 32 bytes, no padding
constexpr std::size_t max_expires_digits = 12;

credential_result verdict(credential_verdict v, std::string_view reason) {
  credential_result result;
  result.verdict = v;
  result.reason = reason;
  return result;
}

bool valid_expires_text(std::string_view text) {
  if (text.empty() || text.size() > max_expires_digits) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric IPv4 or IPv6 text, optionally with an IPv6 zone ("fe80::1%eth0").
bool valid_ip_text(std::string_view ip) {
  if (ip.empty() || ip.size() > max_signed_url_ip_length) return false;
  const std::size_t percent = ip.find('%');
  const std::string_view address = ip.substr(0, percent);
  if (address.empty()) return false;
  const bool address_ok = std::all_of(address.begin(), address.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  });
  if (!address_ok) return false;
  if (percent == std::string_view::npos) return true;
  const std::string_view zone = ip.substr(percent + 1);
  return credential::valid_url_key_id(zone);  // 1..64 of [A-Za-z0-9._-]
}

bool signature_of(std::span<const unsigned char> secret, std::string_view canonical, credential::sha256_digest& out) {
  return credential::hmac_sha256(secret, canonical, out);
}

std::span<const unsigned char> bytes_of(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

struct signed_parameters {
  std::string_view expires;
  std::string_view kid;
  std::string_view sig;
  int present = 0;  // how many of the three were found
};

// Splits the query strictly. Returns "" or the reason it is malformed. Never allocates: the
// names are sorted in a fixed array to find repeats.
std::string_view split_query(std::string_view query, signed_parameters& out) {
  if (query.size() > max_signed_url_query_length) return "query too long";
  std::array<std::string_view, max_signed_url_query_parameters> names{};
  std::size_t count = 0;
  if (query.empty()) return {};
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view parameter = query.substr(0, amp);
    if (parameter.empty()) return "empty query parameter";
    if (count == names.size()) return "too many query parameters";
    const std::size_t eq = parameter.find('=');
    const std::string_view name = parameter.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : parameter.substr(eq + 1);
    names[count++] = name;
    std::string_view* slot = nullptr;
    if (name == "expires") slot = &out.expires;
    if (name == "kid") slot = &out.kid;
    if (name == "sig") slot = &out.sig;
    if (slot != nullptr) {
      if (eq == std::string_view::npos) return "signature parameter without a value";
      *slot = value;
      ++out.present;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::sort(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(count));
  if (std::adjacent_find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(count)) !=
      names.begin() + static_cast<std::ptrdiff_t>(count)) {
    return "repeated query parameter";
  }
  return {};
}

}  // namespace

std::optional<std::string> decode_url_signing_secret(std::string_view text) {
  std::optional<std::string> secret = credential::decode_base64url(text);
  if (secret && secret->size() < min_url_signing_secret_length) {
    credential::wipe(secret->data(), secret->size());
    return std::nullopt;
  }
  return secret;
}

std::string generate_url_signing_secret() {
  std::array<unsigned char, 32> bytes{};
  if (!credential::random_bytes(bytes)) return {};
  std::string text = credential::encode_base64url(bytes);
  credential::wipe(bytes.data(), bytes.size());
  return text;
}

url_signing_key_set::~url_signing_key_set() {
  for (url_signing_key& key : keys_) {
    key.secret.resize(key.secret.capacity());
    credential::wipe(key.secret.data(), key.secret.size());
  }
}

const url_signing_key* url_signing_key_set::find(std::string_view kid) const {
  for (const url_signing_key& key : keys_) {
    if (key.id == kid) return &key;
  }
  return nullptr;
}

const credential_principal* url_signing_key_set::principal_of(std::string_view kid) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].id == kid) return &principals_[i];
  }
  return nullptr;
}

url_signing_key_set_result make_url_signing_key_set(std::vector<url_signing_key> keys) {
  url_signing_key_set_result result;
  auto set = std::make_shared<url_signing_key_set>();
  std::unordered_set<std::string> ids;
  for (url_signing_key& key : keys) {
    const std::string where = key.origin.empty() ? std::string("url signing key") : key.origin;
    const std::size_t before = result.errors.size();
    if (!credential::valid_url_key_id(key.id)) {
      result.errors.push_back(where + ": key id must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    } else if (!ids.insert(key.id).second) {
      result.errors.push_back(where + ": duplicate key id \"" + key.id + "\"");
    }
    if (key.secret.size() < min_url_signing_secret_length) {
      result.errors.push_back(where + ": secret must be at least 32 bytes");
    }
    if (result.errors.size() != before) continue;
    credential_principal principal;
    principal.id = key.id;
    set->principals_.push_back(std::move(principal));
    set->keys_.push_back(std::move(key));
  }
  // The secrets not moved into the set (entries with errors) are wiped as `keys` goes away.
  for (url_signing_key& key : keys) {
    key.secret.resize(key.secret.capacity());
    credential::wipe(key.secret.data(), key.secret.size());
  }
  if (result.errors.empty()) result.set = std::move(set);
  return result;
}

url_signing_key_file_load parse_url_signing_keys(std::string_view text, std::string_view origin,
                                                 std::span<const url_signing_key> config_keys) {
  url_signing_key_file_load result;
  std::vector<url_signing_key> keys(config_keys.begin(), config_keys.end());
  credential::for_each_line(text, [&](std::size_t number, std::string_view line) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return true;
    line.remove_prefix(first);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const std::size_t gap = line.find_first_of(" \t");
    const std::size_t secret_at = gap == std::string_view::npos ? gap : line.find_first_not_of(" \t", gap);
    if (secret_at == std::string_view::npos || line.find_first_of(" \t", secret_at) != std::string_view::npos) {
      result.errors.push_back(credential::at_line(origin, number, "expected \"<kid> <secret as base64url>\""));
      return true;
    }
    url_signing_key key;
    key.id = std::string(line.substr(0, gap));
    key.origin = std::string(origin) + ':' + std::to_string(number);
    std::optional<std::string> secret = decode_url_signing_secret(line.substr(secret_at));
    if (!secret) {
      result.errors.push_back(
          credential::at_line(origin, number, "secret must be base64url (no padding) of at least 32 bytes"));
      return true;
    }
    key.secret = std::move(*secret);
    keys.push_back(std::move(key));
    return true;
  });
  url_signing_key_set_result built = make_url_signing_key_set(std::move(keys));
  for (std::string& error : built.errors) result.errors.push_back(std::move(error));
  if (result.errors.empty()) result.set = std::move(built.set);
  return result;
}

url_signing_key_file_load load_url_signing_key_file(const std::string& path,
                                                    std::span<const url_signing_key> config_keys) {
  credential::file_text file = credential::read_credential_file(path);
  url_signing_key_file_load result;
  if (file.error.empty()) {
    result = parse_url_signing_keys(file.text, path, config_keys);
  } else {
    result.errors.push_back(std::move(file.error));
  }
  result.stamp = file.stamp;
  file.text.resize(file.text.capacity());
  credential::wipe(file.text.data(), file.text.size());
  return result;
}

std::string signed_url_canonical(std::string_view path, std::string_view expires, std::string_view kid,
                                 std::string_view client_ip) {
  std::string canonical;
  canonical.reserve(signed_url_version.size() + kid.size() + expires.size() + client_ip.size() + path.size() + 4);
  canonical += signed_url_version;
  canonical += '\n';
  canonical += kid;
  canonical += '\n';
  canonical += expires;
  canonical += '\n';
  canonical += client_ip;
  canonical += '\n';
  canonical += path;
  return canonical;
}

std::string sign_url(std::string_view path, std::int64_t expires, std::string_view kid, std::string_view secret,
                     std::string_view client_ip) {
  if (!credential::valid_url_key_id(kid) || secret.size() < min_url_signing_secret_length || expires < 0) return {};
  if (!client_ip.empty() && !valid_ip_text(client_ip)) return {};
  const std::string expires_text = std::to_string(expires);
  if (expires_text.size() > max_expires_digits) return {};
  credential::sha256_digest mac{};
  if (!signature_of(bytes_of(secret), signed_url_canonical(path, expires_text, kid, client_ip), mac)) return {};
  std::string query = "expires=" + expires_text + "&kid=" + std::string(kid) + "&sig=";
  query += credential::encode_base64url(mac);
  return query;
}

namespace {

// RFC 3986 pchar and '/' stay as they are (what the server's own redirects keep); every other
// byte, '%' and non-ASCII included, is percent-encoded, so the server decodes back exactly the
// bytes that were signed.
constexpr std::string_view path_characters_kept = "!$&'()*+,;=:@/";
constexpr std::int64_t max_expires = 999'999'999'999;  // max_expires_digits

bool has_dot_dot_segment(std::string_view path) {
  while (true) {
    const std::size_t slash = path.find('/');
    if (path.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) return false;
    path.remove_prefix(slash + 1);
  }
}

std::string_view path_problem(path_status status) {
  switch (status) {
    case path_status::ok:
      return {};
    case path_status::not_absolute:
      return "the path must start with '/'";
    case path_status::nul_byte:
      return "the path contains a NUL byte";
    case path_status::control_char:
      return "the path contains a control character";
    case path_status::backslash:
      return "the path contains a backslash (ferry never serves one)";
    case path_status::invalid_utf8:
      return "the path is not valid UTF-8";
    case path_status::escapes_root:
      return "the path must not contain \"..\" segments";
    case path_status::invalid_escape:
      break;  // cannot happen: '%' is always encoded
  }
  return "the path cannot be requested";
}

}  // namespace

signed_link sign_url_path(std::string_view path, std::int64_t expires, std::string_view kid, std::string_view secret,
                          std::string_view client_ip) {
  signed_link result;
  if (path.empty() || path.front() != '/') {
    result.error = path_problem(path_status::not_absolute);
    return result;
  }
  // The server would resolve "/a/../b" to "/b": refuse rather than sign a path not written.
  if (has_dot_dot_segment(path)) {
    result.error = path_problem(path_status::escapes_root);
    return result;
  }
  if (!credential::valid_url_key_id(kid)) {
    result.error = "the key id must be 1 to 64 characters of A-Z a-z 0-9 . _ -";
    return result;
  }
  if (secret.size() < min_url_signing_secret_length) {
    result.error = "the secret is shorter than 32 bytes";
    return result;
  }
  if (expires < 0 || expires > max_expires) {
    result.error = "the expiry must be 0 to 999999999999 Unix seconds";
    return result;
  }
  if (!client_ip.empty() && !valid_ip_text(client_ip)) {
    result.error = "the client address must be numeric IPv4 or IPv6 text";
    return result;
  }
  // Sign what the server will verify: the path as it decodes and normalises the encoded link.
  std::string encoded;
  append_percent_encoded(encoded, path, path_characters_kept);
  std::string normalized;
  const path_status status = normalize_path(encoded, normalized);
  if (status != path_status::ok) {
    result.error = path_problem(status);
    return result;
  }
  const std::string query = sign_url(normalized, expires, kid, secret, client_ip);
  if (query.empty()) {
    result.error = "HMAC failed";
    return result;
  }
  if (normalized != path) {
    encoded.clear();
    append_percent_encoded(encoded, normalized, path_characters_kept);
  }
  result.link = std::move(encoded);
  result.link += '?';
  result.link += query;
  return result;
}

credential_result verify_signed_url(const url_signing_key_set& keys, const signed_url_options& options,
                                    std::string_view path, std::string_view query, std::string_view client_ip,
                                    std::int64_t now) {
  signed_parameters parameters;
  const std::string_view problem = split_query(query, parameters);
  if (!problem.empty()) return verdict(credential_verdict::malformed, problem);
  if (parameters.present == 0) return verdict(credential_verdict::missing, "no signature parameters");
  if (parameters.present != 3) return verdict(credential_verdict::malformed, "expires, kid and sig must all be given");
  if (!valid_expires_text(parameters.expires)) return verdict(credential_verdict::malformed, "bad expires value");
  if (!credential::valid_url_key_id(parameters.kid)) return verdict(credential_verdict::malformed, "bad kid value");
  if (parameters.sig.size() != signature_text_length) {
    return verdict(credential_verdict::malformed, "bad sig value");
  }
  std::array<unsigned char, 32> presented{};
  {
    const std::optional<std::string> decoded = credential::decode_base64url(parameters.sig);
    if (!decoded || decoded->size() != presented.size()) return verdict(credential_verdict::malformed, "bad sig value");
    std::copy(decoded->begin(), decoded->end(), presented.begin());
  }
  if (options.bind_client_ip && !valid_ip_text(client_ip)) {
    return verdict(credential_verdict::error, "client address unavailable for an address-bound link");
  }
  std::int64_t expires = 0;
  static_cast<void>(
      std::from_chars(parameters.expires.data(), parameters.expires.data() + parameters.expires.size(), expires));

  const url_signing_key* key = keys.find(parameters.kid);
  if (key == nullptr) return verdict(credential_verdict::unknown, "no such signing key");
  credential_result result;
  result.subject = key->id;
  credential::sha256_digest expected{};
  const std::string canonical =
      signed_url_canonical(path, parameters.expires, parameters.kid, options.bind_client_ip ? client_ip : "");
  if (!signature_of(bytes_of(key->secret), canonical, expected)) {
    result.verdict = credential_verdict::error;
    result.reason = "HMAC failed";
    return result;
  }
  // Signature before expiry: a forged link is reported as forged, whatever its expiry says.
  if (!credential::equal_constant_time(expected, presented)) {
    result.verdict = credential_verdict::bad_secret;
    result.reason = "signature does not match";
    return result;
  }
  if (now >= expires) {
    result.verdict = credential_verdict::expired;
    result.reason = "signed link expired";
    return result;
  }
  if (options.max_lifetime > 0 && expires - now > options.max_lifetime) {
    result.verdict = credential_verdict::malformed;
    result.reason = "signed link expires further ahead than allowed";
    return result;
  }
  result.verdict = credential_verdict::ok;
  result.principal = keys.principal_of(key->id);
  result.reason = "signed link accepted";
  return result;
}

}  // namespace ferry
