// Password files in Apache's htpasswd format, verified with libcrypt (libxcrypt).
//
//   # comment lines start with '#' (after optional blanks); blank lines are ignored
//   <user>:<hash>
//
// <user>: 1..255 bytes, no ':' and no blanks or control characters; each user once.
// <hash>: one of
//   bcrypt        $2b$NN$... / $2y$NN$... / $2a$NN$...   (htpasswd -B, mkpasswd -m bcrypt)
//   yescrypt      $y$...                                  (mkpasswd -m yescrypt, Debian's default)
//   sha512-crypt  $6$[rounds=N$]salt$...                  (htpasswd -5, openssl passwd -6)
//   sha256-crypt  $5$[rounds=N$]salt$...                  (htpasswd -2, openssl passwd -5)
// Refused with a message: MD5-crypt ($1$), Apache's MD5 "$apr1$" (htpasswd's default, which
// libcrypt does not implement at all), "{SHA}", bcrypt $2x$, DES crypt and plain text.
// Passwords are compared byte for byte (no Unicode normalisation); bcrypt uses only the first
// 72 bytes of a password.
// At most credential::max_credential_file_size bytes; lines at most 4096 bytes.
//
// Timing: a request for a user that is not in the file still runs one crypt(3) computation,
// against the hash of a real entry whose algorithm and cost are the file's most common ones,
// and its result is thrown away. So "no such user" takes as long as "wrong password" for
// every user with those parameters: keep one algorithm and cost for the whole file and user
// names cannot be probed by timing. (An empty file has no users to hide.)
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "modules/auth/basic_auth.hpp"
#include "modules/auth/credential_file.hpp"
#include "modules/auth/credential_result.hpp"

namespace ferry {

// "" when `hash` is a supported and well-formed crypt(3) hash, else why not (never quoting it:
// a "hash" may be a plain-text password).
std::string_view htpasswd_hash_problem(std::string_view hash);

struct htpasswd_load;

class htpasswd_set {
 public:
  htpasswd_set() = default;
  // Not copyable: the user index points into the entries.
  htpasswd_set(const htpasswd_set&) = delete;
  htpasswd_set& operator=(const htpasswd_set&) = delete;

  // Verdicts: ok (principal id = user, no roles), unknown (no such user, after the dummy
  // verification), bad_secret, malformed (user or password containing NUL), error (crypt failed).
  credential_result check(std::string_view user, std::string_view password) const;
  credential_result check(const basic_credentials& credentials) const {
    return check(credentials.user(), credentials.password());
  }

  std::size_t size() const { return users_.size(); }

 private:
  friend htpasswd_load parse_htpasswd(std::string_view text, std::string_view origin);
  struct user_entry {
    std::string hash;
    credential_principal principal;
  };
  std::vector<user_entry> users_;
  std::unordered_map<std::string_view, std::size_t> index_;  // user → users_ position
  std::string dummy_hash_;  // the timing stand-in for unknown users ("" when the file is empty)
};

struct htpasswd_load {
  std::shared_ptr<const htpasswd_set> set;  // null when there were errors: keep the old set
  credential::file_stamp stamp;             // of the file read (load_htpasswd_file only)
  std::vector<std::string> errors;          // "origin:line: what"
};

htpasswd_load parse_htpasswd(std::string_view text, std::string_view origin);
// Reads and parses `path`. Reload as for API keys: when credential::stamp_file(path) differs
// from the last load's stamp, load again and install the new set only if it is non-null.
htpasswd_load load_htpasswd_file(const std::string& path);

}  // namespace ferry
