#include "modules/auth/api_key_set.hpp"

#include <array>
#include <unordered_set>

#include "modules/auth/credential_codec.hpp"
#include "modules/auth/credential_time.hpp"
#include "modules/auth/credential_token.hpp"

namespace ferry {

constexpr std::string_view hash_prefix = "sha256:";

namespace {

std::string problem(const api_key_entry& entry, std::string_view what) {
  std::string message = entry.origin.empty() ? std::string("api key") : entry.origin;
  message += ": ";
  if (credential::valid_id(entry.id)) {
    message += "key \"";
    message += entry.id;
    message += "\": ";
  }
  message += what;
  return message;
}

}  // namespace

credential_result api_key_set::check(std::string_view presented, std::int64_t now) const {
  credential_result result;
  if (presented.empty()) {
    result.verdict = credential_verdict::malformed;
    result.reason = "empty API key";
    return result;
  }
  if (presented.size() > max_api_key_length) {
    result.verdict = credential_verdict::malformed;
    result.reason = "API key too long";
    return result;
  }
  if (!credential::visible_ascii(presented)) {
    result.verdict = credential_verdict::malformed;
    result.reason = "API key has characters outside visible ASCII";
    return result;
  }
  credential::sha256_digest digest{};
  if (!credential::sha256(presented, digest)) {
    result.verdict = credential_verdict::error;
    result.reason = "SHA-256 failed";
    return result;
  }
  // Every entry is compared, with no branch on the outcome: `found` is index + 1 of the match
  // (hashes are unique, so at most one), selected by a mask rather than an `if`.
  std::size_t found = 0;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const bool equal = credential::equal_constant_time(digest, keys_[i].digest);
    const std::size_t mask = std::size_t{0} - static_cast<std::size_t>(equal);
    found |= mask & (i + 1);
  }
  credential::wipe(digest.data(), digest.size());
  if (found == 0) {
    result.verdict = credential_verdict::unknown;
    result.reason = "no such API key";
    return result;
  }
  const stored_key& key = keys_[found - 1];
  result.subject = key.principal.id;
  if (key.expires && now >= *key.expires) {
    result.verdict = credential_verdict::expired;
    result.reason = "API key expired";
    return result;
  }
  result.verdict = credential_verdict::ok;
  result.principal = &key.principal;
  result.reason = "API key accepted";
  return result;
}

api_key_set_result make_api_key_set(std::vector<api_key_entry> entries) {
  api_key_set_result result;
  auto set = std::make_shared<api_key_set>();
  std::unordered_set<std::string> ids;
  std::unordered_set<std::string> hashes;
  for (api_key_entry& entry : entries) {
    const std::size_t errors_before = result.errors.size();
    if (!credential::valid_id(entry.id)) {
      result.errors.push_back(problem(entry, "id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ + -"));
    } else if (!ids.insert(entry.id).second) {
      result.errors.push_back(problem(entry, "duplicate key id"));
    }
    api_key_set::stored_key stored;
    const std::string_view hash = entry.hash;
    if (!hash.starts_with(hash_prefix) || !credential::decode_hex(hash.substr(hash_prefix.size()), stored.digest)) {
      // The value is not repeated: it might be a key pasted where its hash belongs.
      result.errors.push_back(problem(entry,
                                      "hash must be \"sha256:\" then 64 lower-case hex digits "
                                      "(the output of `ferry hash-key`)"));
    } else if (!hashes.insert(entry.hash).second) {
      result.errors.push_back(problem(entry, "the same key hash is listed twice"));
    }
    std::unordered_set<std::string_view> roles;
    for (const std::string& role : entry.roles) {
      if (!credential::valid_role(role)) {
        result.errors.push_back(problem(entry, "role names must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"));
      } else if (!roles.insert(role).second) {
        result.errors.push_back(problem(entry, "duplicate role \"" + role + "\""));
      }
    }
    if (!entry.expires.empty()) {
      stored.expires = credential::parse_expiry(entry.expires);
      if (!stored.expires) {
        result.errors.push_back(problem(entry,
                                        "expires must be Unix seconds or an RFC 3339 time such as "
                                        "2027-01-01T00:00:00Z"));
      }
    }
    if (result.errors.size() != errors_before) continue;
    stored.principal.id = std::move(entry.id);
    stored.principal.roles = std::move(entry.roles);
    set->keys_.push_back(std::move(stored));
  }
  if (result.errors.empty()) result.set = std::move(set);
  return result;
}

std::string hash_api_key(std::string_view key) {
  credential::sha256_digest digest{};
  if (!credential::sha256(key, digest)) return {};
  return std::string(hash_prefix) + credential::encode_hex(digest);
}

std::string generate_api_key() {
  std::array<unsigned char, 32> bytes{};
  if (!credential::random_bytes(bytes)) return {};
  std::string key = credential::encode_base64url(bytes);
  credential::wipe(bytes.data(), bytes.size());
  return key;
}

}  // namespace ferry
