// The outcome of one credential check (API key, Basic auth against htpasswd, signed URL): a
// verdict the core maps to a response (every failure is 401), the principal on success, and a
// reason for the audit log. Reasons are fixed texts: they never contain what the client sent,
// so a presented key or password cannot leak into a log through them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

enum class credential_verdict : std::uint8_t {
  ok,          // authenticated: `principal` is set
  missing,     // no credential of this kind in the request (the challenge goes out)
  malformed,   // a credential was sent but is not syntactically valid
  unknown,     // well-formed, but no such key, user or signing key id
  bad_secret,  // the user or key id exists, the password or signature does not match
  expired,     // the key or signed URL was valid but its expiry has passed
  error,       // the check could not run (crypto library failure); not the client's fault
};

// "ok", "missing", ...: stable names for logs and metrics labels.
std::string_view to_string(credential_verdict verdict);

// Who a request is once a check succeeded. Lives in the immutable set that matched it.
struct credential_principal {
  std::string id;                  // API key id, htpasswd user name, or signing key id
  std::vector<std::string> roles;  // from the key's entry; empty for htpasswd users and signed URLs
};

struct credential_result {
  credential_verdict verdict = credential_verdict::missing;
  // Set only when verdict == ok. Points into the set that was checked: valid while the caller
  // holds that set (the shared_ptr snapshot taken for the request).
  const credential_principal* principal = nullptr;
  // For the audit log: the id of the stored entry the credential named or matched (also on
  // expired and bad_secret), else empty. Points into the set like `principal`. Never a secret.
  std::string_view subject;
  // Fixed text for the audit log, never containing request bytes.
  std::string_view reason;

  bool authenticated() const { return verdict == credential_verdict::ok; }
};

}  // namespace ferry
