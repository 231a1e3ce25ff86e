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

#include <cstdint>
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

// The rules whose vhost, path and methods match one request, in order, as credential_methods
// found them, so that decide does not test every rule's target a second time. A checker keeps
// one and reuses it (no allocation once warm). Only meaningful for the request and the policy
// that filled it.
struct policy_matches {
  std::vector<std::uint32_t> rules;
  // credential_methods stops at the first rule that decides whatever the identity; the rules
  // from here on were not tested (decide never needs them, but would test them itself).
  std::size_t untested_from = 0;
};

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
  // The same, also recording the matching rules in `matches` for the decide below.
  auth_method_set credential_methods(const request_attributes& request, policy_matches& matches) const;

  authorization_decision decide(const principal& who, const request_attributes& request) const;
  // The same decision, for a request whose matching rules credential_methods recorded.
  authorization_decision decide(const principal& who, const request_attributes& request,
                                const policy_matches& matches) const;

  std::size_t rule_count() const { return rules_.size(); }

 private:
  // How a rule's path is tested: most patterns are a literal or a literal followed by `**`,
  // which a comparison decides exactly as the glob would, without running it.
  enum class path_test : std::uint8_t { glob, exact, prefix };

  struct compiled_rule {
    std::string label;  // name, or "rule[N]"
    std::string vhost;  // "*" or lower-case host
    bool any_vhost = false;
    path_glob path{std::string()};
    path_test path_kind = path_test::glob;
    std::string path_literal;  // exact: the whole pattern; prefix: the pattern before the `**`
    std::vector<std::string> methods;
    std::vector<std::string> roles;
    role_requirement roles_match = role_requirement::any_of;
    auth_method_set auth;
    std::optional<policy_condition> when;
    rule_action action = rule_action::deny;
    bool needs_identity = false;     // authenticate, or roles listed
    bool principal_dependent = false;  // needs_identity, or conditions that test the principal
  };

  // What deciding has seen so far, over the rules whose targets match.
  struct decide_walk {
    bool anonymous = true;
    bool identity_would_help = false;  // an allowing rule was skipped for want of an identity
    auth_method_set challenge;
    bool covered = false;  // some rule's vhost, path and methods match
  };

  bool target_matches(const compiled_rule& rule, const request_attributes& request) const;
  // Rule `index`, whose target matches: true when it decides (the decision is in `out`).
  bool consider(std::size_t index, const principal& who, const request_attributes& request, decide_walk& walk,
                authorization_decision& out) const;
  // A refusal becomes a 401 when the principal is anonymous and an identity could have helped.
  static authorization_decision refuse(const principal& who, const decide_walk& walk, authorization_decision d);
  // No rule decided: the virtual host's default.
  authorization_decision finish(const principal& who, const request_attributes& request,
                                const decide_walk& walk) const;
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
