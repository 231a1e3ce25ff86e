#include "modules/auth/htpasswd.hpp"

#include <crypt.h>

#include <map>

#include "modules/auth/credential_crypto.hpp"

namespace ferry {
namespace {

constexpr std::size_t max_line_length = 4096;

bool crypt_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

bool crypt_chars(std::string_view text) {
  for (const char c : text) {
    if (!crypt_char(c)) return false;
  }
  return true;
}

bool is_bcrypt(std::string_view hash) {
  return hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$");
}

bool is_sha_crypt(std::string_view hash) { return hash.starts_with("$5$") || hash.starts_with("$6$"); }

// $2b$NN$ + 22 characters of salt + 31 of hash.
bool well_formed_bcrypt(std::string_view hash) {
  if (hash.size() != 60 || hash[6] != '$') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  return cost >= 4 && cost <= 31 && crypt_chars(hash.substr(7));
}

// $5$ or $6$, optional rounds=N$ (1000..999999999), salt of 1..16, '$', the hash.
bool well_formed_sha_crypt(std::string_view hash) {
  const std::size_t hash_length = hash[1] == '5' ? 43 : 86;
  std::string_view rest = hash.substr(3);
  if (rest.starts_with("rounds=")) {
    rest.remove_prefix(7);
    const std::size_t end = rest.find('$');
    if (end == std::string_view::npos || end == 0 || end > 9 || rest[0] == '0') return false;
    long rounds = 0;
    for (std::size_t i = 0; i < end; ++i) {
      if (rest[i] < '0' || rest[i] > '9') return false;
      rounds = rounds * 10 + (rest[i] - '0');
    }
    if (rounds < 1000) return false;
    rest.remove_prefix(end + 1);
  }
  const std::size_t end = rest.find('$');
  if (end == std::string_view::npos || end == 0 || end > 16) return false;
  const std::string_view salt = rest.substr(0, end);
  const std::string_view digest = rest.substr(end + 1);
  return crypt_chars(salt) && digest.size() == hash_length && crypt_chars(digest);
}

// $y$params$salt$hash with a 43-character hash.
bool well_formed_yescrypt(std::string_view hash) {
  std::string_view rest = hash.substr(3);
  const std::size_t params_end = rest.find('$');
  if (params_end == std::string_view::npos || params_end == 0) return false;
  const std::string_view params = rest.substr(0, params_end);
  rest.remove_prefix(params_end + 1);
  const std::size_t salt_end = rest.find('$');
  if (salt_end == std::string_view::npos || salt_end == 0) return false;
  const std::string_view salt = rest.substr(0, salt_end);
  const std::string_view digest = rest.substr(salt_end + 1);
  return crypt_chars(params) && crypt_chars(salt) && digest.size() == 43 && crypt_chars(digest);
}

// What decides how long crypt(3) takes for a hash: algorithm and cost parameters, not salt.
std::string cost_class(std::string_view hash) {
  if (is_bcrypt(hash)) return "bcrypt " + std::string(hash.substr(4, 2));
  if (is_sha_crypt(hash)) {
    const std::string_view rest = hash.substr(3);
    if (!rest.starts_with("rounds=")) return std::string(hash.substr(0, 3));
    return std::string(hash.substr(0, 3)) + std::string(rest.substr(0, rest.find('$')));
  }
  return std::string(hash.substr(0, 3 + hash.substr(3).find('$')));  // $y$params
}

// crypt(3)'s working state is ~32 KiB: one per thread, made on first use, wiped after each use
// because it holds material derived from the password.
struct crypt_scratch {
  crypt_data data{};
};

crypt_data& scratch() {
  thread_local std::unique_ptr<crypt_scratch> state;
  if (!state) state = std::make_unique<crypt_scratch>();
  return state->data;
}

enum class crypt_outcome { match, mismatch, failed };

crypt_outcome run_crypt(std::string_view password, const std::string& stored) {
  std::string phrase(password);  // NUL-terminated copy; the caller refused embedded NULs
  crypt_data& data = scratch();
  const char* output = crypt_rn(phrase.c_str(), stored.c_str(), &data, static_cast<int>(sizeof data));
  crypt_outcome outcome = crypt_outcome::failed;
  // libxcrypt returns null on failure (or a string starting with '*' in other modes).
  if (output != nullptr && output[0] != '*') {
    outcome = credential::equal_constant_time(std::string_view(output), std::string_view(stored))
                  ? crypt_outcome::match
                  : crypt_outcome::mismatch;
  }
  credential::wipe(&data, sizeof data);
  phrase.resize(phrase.capacity());
  credential::wipe(phrase.data(), phrase.size());
  return outcome;
}

credential_result verdict(credential_verdict v, std::string_view reason) {
  credential_result result;
  result.verdict = v;
  result.reason = reason;
  return result;
}

bool valid_user(std::string_view user) {
  if (user.empty() || user.size() > max_basic_user_length) return false;
  for (const char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ':') return false;
  }
  return true;
}

}  // namespace

std::string_view htpasswd_hash_problem(std::string_view hash) {
  if (hash.starts_with("$apr1$")) {
    return "Apache MD5 ($apr1$, htpasswd's default) is not supported: libcrypt does not implement it; "
           "re-create the entry with htpasswd -B (bcrypt)";
  }
  if (hash.starts_with("$1$")) return "MD5-crypt ($1$) is too weak; use bcrypt (htpasswd -B)";
  if (hash.starts_with("{SHA}")) return "unsalted SHA-1 ({SHA}) is too weak; use bcrypt (htpasswd -B)";
  if (hash.starts_with("$2x$")) return "bcrypt $2x$ (the buggy variant) is not accepted; re-create the entry";
  if (is_bcrypt(hash)) return well_formed_bcrypt(hash) ? "" : "malformed bcrypt hash";
  if (is_sha_crypt(hash)) return well_formed_sha_crypt(hash) ? "" : "malformed sha-crypt hash";
  if (hash.starts_with("$y$")) return well_formed_yescrypt(hash) ? "" : "malformed yescrypt hash";
  if (hash.size() == 13 && crypt_chars(hash)) return "DES crypt is too weak; use bcrypt (htpasswd -B)";
  return "not a supported password hash (bcrypt, yescrypt, sha512-crypt, sha256-crypt); "
         "plain-text passwords are not accepted";
}

credential_result htpasswd_set::check(std::string_view user, std::string_view password) const {
  // crypt(3) takes C strings: an embedded NUL would cut the password short.
  if (user.find('\0') != std::string_view::npos || password.find('\0') != std::string_view::npos) {
    return verdict(credential_verdict::malformed, "NUL in user or password");
  }
  const auto found = index_.find(user);
  if (found == index_.end()) {
    if (!dummy_hash_.empty()) static_cast<void>(run_crypt(password, dummy_hash_));
    return verdict(credential_verdict::unknown, "no such user");
  }
  const user_entry& entry = users_[found->second];
  credential_result result;
  result.subject = entry.principal.id;
  switch (run_crypt(password, entry.hash)) {
    case crypt_outcome::match:
      result.verdict = credential_verdict::ok;
      result.principal = &entry.principal;
      result.reason = "password accepted";
      break;
    case crypt_outcome::mismatch:
      result.verdict = credential_verdict::bad_secret;
      result.reason = "wrong password";
      break;
    case crypt_outcome::failed:
      result.verdict = credential_verdict::error;
      result.reason = "crypt(3) failed";
      break;
  }
  return result;
}

htpasswd_load parse_htpasswd(std::string_view text, std::string_view origin) {
  htpasswd_load result;
  auto set = std::make_shared<htpasswd_set>();
  std::map<std::string_view, std::size_t> line_of_user;
  credential::for_each_line(text, [&](std::size_t number, std::string_view line) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return true;
    const auto fail = [&](std::string_view what) {
      result.errors.push_back(credential::at_line(origin, number, what));
      return true;
    };
    if (line.size() > max_line_length) return fail("line longer than 4096 bytes");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected user:hash");
    const std::string_view user = line.substr(0, colon);
    const std::string_view hash = line.substr(colon + 1);
    if (!valid_user(user)) return fail("user names are 1 to 255 bytes without ':', blanks or control characters");
    const std::string_view problem = htpasswd_hash_problem(hash);
    if (!problem.empty()) return fail(problem);
    const auto [previous, inserted] = line_of_user.emplace(user, number);
    if (!inserted) return fail("user listed twice (first on line " + std::to_string(previous->second) + ")");
    htpasswd_set::user_entry entry;
    entry.hash = std::string(hash);
    entry.principal.id = std::string(user);
    set->users_.push_back(std::move(entry));
    return true;
  });
  if (!result.errors.empty()) return result;
  // The index points into users_, which no longer grows.
  std::map<std::string, std::size_t> classes;
  std::size_t most_common_count = 0;
  for (std::size_t i = 0; i < set->users_.size(); ++i) {
    set->index_.emplace(set->users_[i].principal.id, i);
    const std::size_t count = ++classes[cost_class(set->users_[i].hash)];
    if (count > most_common_count) {
      most_common_count = count;
      set->dummy_hash_ = set->users_[i].hash;
    }
  }
  result.set = std::move(set);
  return result;
}

htpasswd_load load_htpasswd_file(const std::string& path) {
  credential::file_text file = credential::read_credential_file(path);
  if (!file.error.empty()) {
    htpasswd_load result;
    result.stamp = file.stamp;
    result.errors.push_back(std::move(file.error));
    return result;
  }
  htpasswd_load result = parse_htpasswd(file.text, path);
  result.stamp = file.stamp;
  return result;
}

}  // namespace ferry
