// The outcome of authorizing one request: what to do (allow, or refuse with 401 / 403), and why,
// for the audit. Views point into the policy (rule names) or static text (reasons), so a decision
// is cheap to copy and never allocates; it is valid while the policy that made it is alive.
#pragma once

#include <cstdint>
#include <string_view>

#include "modules/auth/policy_types.hpp"

namespace ferry {

enum class authorization_outcome : std::uint8_t {
  allowed,          // 200 path: serve the request
  unauthenticated,  // 401: an identity is needed (none was presented, or it did not verify)
  forbidden,        // 403: the identity (or the lack of need for one) does not change the answer
};

enum class decision_source : std::uint8_t {
  rule,           // a rule matched
  vhost_default,  // no rule matched: the virtual host's default
  hook,           // an embedder's authorization_hook refused what the rules allowed
};

struct authorization_decision {
  bool allowed = false;
  int status = 403;  // 200, 401 or 403
  authorization_outcome outcome = authorization_outcome::forbidden;
  decision_source source = decision_source::vhost_default;
  int rule_index = -1;          // position of the deciding rule in the config, -1 for none
  std::string_view rule_name;   // the rule's name ("rule[N]" when it has none), the hook's name
                                // when a hook refused, "" for the default
  std::string_view reason;      // for the audit only: never sent to the client
  auth_method_set challenge;    // on 401: credential methods the matching rules accept (for
                                // WWW-Authenticate); empty means "any configured method"

  static authorization_decision allow(std::string_view reason) {
    authorization_decision d;
    d.allowed = true;
    d.status = 200;
    d.outcome = authorization_outcome::allowed;
    d.reason = reason;
    return d;
  }
  static authorization_decision forbid(std::string_view reason) {
    authorization_decision d;
    d.reason = reason;
    return d;
  }
  static authorization_decision unauthenticated(std::string_view reason) {
    authorization_decision d;
    d.status = 401;
    d.outcome = authorization_outcome::unauthenticated;
    d.reason = reason;
    return d;
  }
};

// "allowed", "unauthenticated", "forbidden": the audit's spelling.
std::string_view authorization_outcome_name(authorization_outcome outcome);

}  // namespace ferry
