// RBAC + ABAC authorization: an ordered list of rules, first match wins, and a default per
// virtual host for requests no rule matches. Built once from the config (authorization_policy::
// build validates everything and compiles the path globs); deciding reads only, never allocates
// (path patterns up to 500 tokens) and is linear in the rules and the request's size.
//
// How the core uses it, per request, after routing:
//   1. methods = policy.credential_methods(attributes): which credential checks to run (JWT,
//      API key, ...). Only those run; their result is one principal (or an anonymous one,
//      with credentials_rejected set when something was presented and did not verify).
//   2. d = policy.decide(principal, attributes): allow, or refuse with d.status (401 or 403).
//   3. audit the decision (audit_event.hpp).
//
// A rule matches a request when all of these hold:
//   - vhost is "*" or equals the request's virtual host (ASCII case-insensitive);
//   - path glob matches the normalised path (`*` one segment, `**` any depth, as header rules);
//   - methods is empty or lists the method (listing GET also admits HEAD);
//   - when the rule needs an identity (action "authenticate", or roles listed): the principal
//     is authenticated, by one of the rule's `auth` methods when it lists any, and has the
//     roles (any_of: at least one; all_of: every one);
//   - its conditions hold (policy_condition.hpp).
// The first matching rule's action decides: allow and authenticate let the request through,
// deny refuses it. With no match, the virtual host's default (allow or deny) decides.
//
// 401 or 403: a refusal is a 401 when the principal is anonymous (no credentials, or rejected
// ones) and some allowing rule earlier in the list was skipped only for want of an identity
// (it needs one, or its conditions test claims or the tenant): authenticating could change the
// answer. Otherwise it is a 403 — including an anonymous request that an explicit deny rule
// matched before any rule that wanted an identity.
//
// After the rules allow, each registered authorization_hook is asked in turn; any may refuse.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/toml_values.hpp"
#include "modules/auth/authorization_decision.hpp"
#include "modules/auth/authorization_hook.hpp"
#include "modules/auth/policy_condition.hpp"
#include "modules/auth/policy_types.hpp"
#include "policy/path_glob.hpp"

namespace ferry {

enum class rule_action : std::uint8_t {
  allow,         // let the request through (no identity needed unless roles are listed)
  deny,          // refuse it
  authenticate,  // let any authenticated principal through (by one of `auth` when listed)
};

enum class role_requirement : std::uint8_t { any_of, all_of };

// "allow", "deny", "authenticate".
bool parse_rule_action(std::string_view text, rule_action& out);
// "any", "all".
bool parse_role_requirement(std::string_view text, role_requirement& out);
std::string_view rule_action_name(rule_action action);

// One [[auth.rules]] entry as the config loader hands it over.
struct policy_rule_spec {
  std::string name;                 // optional; unique when given; shows in the audit
  std::string vhost = "*";
  std::string path = "/**";
  std::vector<std::string> methods;  // empty: any method
  std::vector<std::string> roles;    // empty: no role needed
  role_requirement roles_match = role_requirement::any_of;
  auth_method_set auth;              // credential checks to run for this path
  std::optional<policy_condition> when;
  rule_action action = rule_action::deny;
};

struct policy_vhost_default {
  std::string vhost;
  rule_action action = rule_action::deny;  // allow or deny
};

struct policy_spec {
  std::vector<policy_rule_spec> rules;
  rule_action default_action = rule_action::deny;   // for virtual hosts not listed below
  std::vector<policy_vhost_default> vhost_defaults;
  // When set, the default only decides requests that no rule covers (no rule's vhost, path and
  // methods match); a covered request that no rule lets through is refused (401/403) even
  // under a default of allow. The [auth] table uses this, so that `default = "allow"` cannot
  // open a path a rule protects to anonymous clients.
  bool default_for_uncovered_only = false;
};

inline constexpr std::size_t max_policy_rules = 4096;

class authorization_policy {
 public:
  // An empty policy: every request falls to the default, deny (403).
  authorization_policy() = default;

  // Validates and compiles the spec; `hooks` are consulted after the rules allow (normally
  // authorization_hooks().snapshot()). The error names the rule: "rule 3 (\"admin\"): ...".
  static parsed<authorization_policy> build(policy_spec spec, std::vector<registered_authorization_hook> hooks = {});

  // The credential checks the core should run for this request: the `auth` methods of the
  // rules whose vhost, path and method match, up to the first one that matches whatever the
  // identity (later rules cannot be reached). Empty: the request needs no credentials.
  auth_method_set credential_methods(const request_attributes& request) const;

  authorization_decision decide(const principal& who, const request_attributes& request) const;

  std::size_t rule_count() const { return rules_.size(); }

 private:
  struct compiled_rule {
    std::string label;  // name, or "rule[N]"
    std::string vhost;  // "*" or lower-case host
    path_glob path{std::string()};
    std::vector<std::string> methods;
    std::vector<std::string> roles;
    role_requirement roles_match = role_requirement::any_of;
    auth_method_set auth;
    std::optional<policy_condition> when;
    rule_action action = rule_action::deny;
    bool needs_identity = false;     // authenticate, or roles listed
    bool principal_dependent = false;  // needs_identity, or conditions that test the principal
  };

  bool target_matches(const compiled_rule& rule, const request_attributes& request) const;
  rule_action default_for(std::string_view vhost) const;
  authorization_decision consult_hooks(const principal& who, const request_attributes& request,
                                       authorization_decision allowed) const;

  std::vector<compiled_rule> rules_;
  rule_action default_action_ = rule_action::deny;
  std::vector<policy_vhost_default> vhost_defaults_;
  bool default_for_uncovered_only_ = false;
  std::vector<registered_authorization_hook> hooks_;
};

}  // namespace ferry
