// One worker's access checker: per request it asks the policy which credential checks apply,
// runs only those, decides, writes the audit event and fills the access_decision.
//
// Credentials, in this order: signed URL (query), Authorization (Bearer or Basic), the API key
// header, the verified client certificate (mtls). JWT and API keys share `Authorization:
// Bearer`: when a rule accepts both, a token of JWT shape (three non-empty dot-separated parts)
// is verified as a JWT only, anything else as an API key only (API keys never contain dots when
// made by `ferry generate-key`). The first credential that verifies is the principal; but when
// any presented credential fails to verify, the request is anonymous with
// credentials_rejected (a client sending a wrong credential is never silently served as
// someone else, or as nobody).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "modules/access_control.hpp"
#include "modules/auth/auth_access_control.hpp"
#include "modules/auth/authorization_policy.hpp"
#include "modules/auth/certificate_identity.hpp"
#include "modules/auth/credential_result.hpp"
#include "modules/auth/jwt_token_cache.hpp"
#include "modules/auth/policy_types.hpp"

namespace ferry {

class auth_checker final : public access_checker {
 public:
  explicit auth_checker(std::shared_ptr<const auth_access_control> owner);

  void check(const access_request& request, access_decision& out) override;

 private:
  struct credential_outcome {
    bool rejected = false;         // something was presented and did not verify
    bool bearer_rejected = false;  // ... and it was a bearer credential (RFC 6750 invalid_token)
  };

  void refresh_sets();
  void reset_principal();
  void authenticate(auth_method_set wanted, const access_request& in, const request_attributes& attributes,
                    std::chrono::system_clock::time_point now, std::int64_t now_unix, credential_outcome& outcome);
  void check_bearer(auth_method_set wanted, std::string_view authorization, std::chrono::system_clock::time_point now,
                    std::int64_t now_unix, credential_outcome& outcome);
  void accept_api_key(const credential_result& result);
  // The principal a verified token stands for, with this configuration's roles claim.
  std::shared_ptr<const principal> jwt_identity(const jwt_claims& claims) const;
  void accept_jwt(std::shared_ptr<const principal> identity);
  void fill_challenges(const authorization_decision& decision, const credential_outcome& outcome,
                       access_decision& out) const;

  std::shared_ptr<const auth_access_control> owner_;
  std::shared_ptr<const auth_credential_sets> sets_;
  std::uint64_t generation_ = 0;
  std::optional<jwt_token_cache> cache_;
  // The request's principal, for every method but JWT; JWT's is `jwt_who_`, built once per
  // verified token and shared with the cache, so a cached token costs no copying. (Copied into
  // who_ only when the request also carries a client certificate, whose fields are per request.)
  principal who_;
  std::shared_ptr<const principal> jwt_who_;
  policy_matches matches_;            // scratch: the rules matching this request
  certificate_identity certificate_;  // scratch for the mTLS mapping
  std::string audit_line_;
};

}  // namespace ferry
