#include "modules/auth/authorization_policy.hpp"

#include <algorithm>
#include <utility>

namespace ferry {
namespace {

// RFC 9110 token characters: what a method may be made of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool roles_satisfied(const std::vector<std::string>& roles, role_requirement match, const principal& who) {
  if (roles.empty()) return true;
  if (match == role_requirement::all_of) {
    return std::all_of(roles.begin(), roles.end(), [&](const std::string& r) { return who.has_role(r); });
  }
  return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return who.has_role(r); });
}

// Reasons are static text: a decision never owns memory.
constexpr std::string_view reason_rule_allow = "allowed by rule";
constexpr std::string_view reason_rule_authenticated = "authenticated, allowed by rule";
constexpr std::string_view reason_rule_deny = "denied by rule";
constexpr std::string_view reason_default_allow = "no rule matched; default allow";
constexpr std::string_view reason_default_deny = "no rule matched; default deny";
constexpr std::string_view reason_covered_deny = "no rule let the request through; the default covers only other requests";
constexpr std::string_view reason_no_credentials = "identity required; no credentials presented";
constexpr std::string_view reason_rejected = "identity required; credentials rejected";
constexpr std::string_view reason_hook_threw = "authorization hook failed";

std::string rule_error(std::size_t index, const std::string& name, std::string_view what) {
  std::string out = "rule " + std::to_string(index + 1);
  if (!name.empty()) out += " (" + quote_for_message(name) + ")";
  out += ": ";
  out += what;
  return out;
}

}  // namespace

bool parse_rule_action(std::string_view text, rule_action& out) {
  if (text == "allow") {
    out = rule_action::allow;
  } else if (text == "deny") {
    out = rule_action::deny;
  } else if (text == "authenticate") {
    out = rule_action::authenticate;
  } else {
    return false;
  }
  return true;
}

bool parse_role_requirement(std::string_view text, role_requirement& out) {
  if (text == "any") {
    out = role_requirement::any_of;
  } else if (text == "all") {
    out = role_requirement::all_of;
  } else {
    return false;
  }
  return true;
}

std::string_view rule_action_name(rule_action action) {
  switch (action) {
    case rule_action::allow:
      return "allow";
    case rule_action::deny:
      return "deny";
    case rule_action::authenticate:
      return "authenticate";
  }
  return "deny";
}

parsed<authorization_policy> authorization_policy::build(policy_spec spec,
                                                         std::vector<registered_authorization_hook> hooks) {
  parsed<authorization_policy> result;
  authorization_policy& policy = result.value;
  if (spec.rules.size() > max_policy_rules) {
    result.error = "at most " + std::to_string(max_policy_rules) + " authorization rules are allowed";
    return result;
  }
  if (spec.default_action == rule_action::authenticate) {
    result.error = "the default action must be \"allow\" or \"deny\"";
    return result;
  }
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < spec.rules.size(); ++i) {
    policy_rule_spec& r = spec.rules[i];
    const auto fail = [&](std::string_view what) {
      result.error = rule_error(i, r.name, what);
      return result;
    };
    if (!r.name.empty()) {
      if (std::find(names.begin(), names.end(), r.name) != names.end()) return fail("the name is used by an earlier rule");
      names.push_back(r.name);
    }
    if (r.vhost.empty()) return fail("vhost must be a host name or \"*\"");
    if (r.path.empty() || (r.path.front() != '/' && r.path.front() != '*')) {
      return fail("path must be a glob starting with '/' such as \"/api/**\"");
    }
    for (const std::string& m : r.methods) {
      if (!is_token(m)) return fail("methods must be HTTP method names such as \"GET\"");
    }
    for (const std::string& role : r.roles) {
      if (role.empty()) return fail("roles must not be empty strings");
    }
    if (r.when) {
      const std::string error = r.when->validate();
      if (!error.empty()) return fail(error);
    }
    compiled_rule c;
    c.label = r.name.empty() ? "rule[" + std::to_string(i) + "]" : r.name;
    c.vhost = r.vhost == "*" ? r.vhost : lower_ascii(r.vhost);
    c.any_vhost = c.vhost == "*";
    // Only '*' and '?' are special to path_glob. Without them the pattern matches itself only;
    // a literal followed by nothing but a run of two or more stars (an "any depth" `**`, which
    // can neither be a "/**/" nor be followed by anything) matches exactly the paths that
    // start with the literal.
    const std::size_t wild = r.path.find_first_of("*?");
    if (wild == std::string::npos) {
      c.path_kind = path_test::exact;
      c.path_literal = r.path;
    } else if (r.path.size() - wild >= 2 && r.path.find_first_not_of('*', wild) == std::string::npos) {
      c.path_kind = path_test::prefix;
      c.path_literal = r.path.substr(0, wild);
    }
    c.path = path_glob(std::move(r.path));
    c.methods = std::move(r.methods);
    c.roles = std::move(r.roles);
    c.roles_match = r.roles_match;
    c.auth = r.auth;
    c.action = r.action;
    c.needs_identity = r.action == rule_action::authenticate || !c.roles.empty();
    c.principal_dependent = c.needs_identity || (r.when && r.when->uses_principal());
    c.when = std::move(r.when);
    policy.rules_.push_back(std::move(c));
  }
  for (policy_vhost_default& d : spec.vhost_defaults) {
    if (d.vhost.empty() || d.vhost == "*") {
      result.error = "a virtual host default needs the host's name (the default for all is default_action)";
      return result;
    }
    if (d.action == rule_action::authenticate) {
      result.error = "the default action of " + quote_for_message(d.vhost) + " must be \"allow\" or \"deny\"";
      return result;
    }
    d.vhost = lower_ascii(d.vhost);
  }
  policy.default_action_ = spec.default_action;
  policy.vhost_defaults_ = std::move(spec.vhost_defaults);
  policy.default_for_uncovered_only_ = spec.default_for_uncovered_only;
  policy.hooks_ = std::move(hooks);
  return result;
}

bool authorization_policy::target_matches(const compiled_rule& rule, const request_attributes& request) const {
  if (!rule.any_vhost && !iequals(rule.vhost, request.vhost)) return false;
  if (!rule.methods.empty()) {
    const bool listed = std::any_of(rule.methods.begin(), rule.methods.end(), [&](const std::string& m) {
      return m == request.method || (m == "GET" && request.method == "HEAD");
    });
    if (!listed) return false;
  }
  switch (rule.path_kind) {
    case path_test::exact:
      return request.path == rule.path_literal;
    case path_test::prefix:
      return request.path.starts_with(rule.path_literal);
    case path_test::glob:
      break;
  }
  return rule.path.matches(request.path);
}

rule_action authorization_policy::default_for(std::string_view vhost) const {
  for (const policy_vhost_default& d : vhost_defaults_) {
    if (iequals(d.vhost, vhost)) return d.action;
  }
  return default_action_;
}

auth_method_set authorization_policy::credential_methods(const request_attributes& request) const {
  policy_matches matches;
  return credential_methods(request, matches);
}

auth_method_set authorization_policy::credential_methods(const request_attributes& request,
                                                         policy_matches& matches) const {
  // Rules that do not look at the principal are decided by the request alone, so the first of
  // them that matches ends the list: nothing after it can apply.
  static const principal anonymous;
  matches.rules.clear();
  auth_method_set methods;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const compiled_rule& rule = rules_[i];
    if (!target_matches(rule, request)) continue;
    matches.rules.push_back(static_cast<std::uint32_t>(i));
    methods.add(rule.auth);
    if (!rule.principal_dependent && (!rule.when || rule.when->holds(anonymous, request))) {
      matches.untested_from = i + 1;
      return methods;
    }
  }
  matches.untested_from = rules_.size();
  return methods;
}

authorization_decision authorization_policy::decide(const principal& who, const request_attributes& request) const {
  decide_walk walk;
  walk.anonymous = !who.authenticated();
  authorization_decision d;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (target_matches(rules_[i], request) && consider(i, who, request, walk, d)) return d;
  }
  return finish(who, request, walk);
}

authorization_decision authorization_policy::decide(const principal& who, const request_attributes& request,
                                                    const policy_matches& matches) const {
  decide_walk walk;
  walk.anonymous = !who.authenticated();
  authorization_decision d;
  for (const std::uint32_t i : matches.rules) {
    if (i < rules_.size() && consider(i, who, request, walk, d)) return d;
  }
  // Not reached when the recording stopped early (the rule it stopped at decides), but cheap
  // to be exact about.
  for (std::size_t i = matches.untested_from; i < rules_.size(); ++i) {
    if (target_matches(rules_[i], request) && consider(i, who, request, walk, d)) return d;
  }
  return finish(who, request, walk);
}

authorization_decision authorization_policy::refuse(const principal& who, const decide_walk& walk,
                                                    authorization_decision d) {
  if (walk.anonymous && walk.identity_would_help) {
    d.status = 401;
    d.outcome = authorization_outcome::unauthenticated;
    d.reason = who.credentials_rejected ? reason_rejected : reason_no_credentials;
    d.challenge = walk.challenge;
  }
  return d;
}

bool authorization_policy::consider(std::size_t index, const principal& who, const request_attributes& request,
                                    decide_walk& walk, authorization_decision& out) const {
  const compiled_rule& rule = rules_[index];
  walk.covered = true;
  walk.challenge.add(rule.auth);
  const bool could_allow = rule.action != rule_action::deny;
  if (rule.needs_identity) {
    if (walk.anonymous) {
      walk.identity_would_help = walk.identity_would_help || could_allow;
      return false;
    }
    if (!rule.auth.empty() && !rule.auth.contains(who.method)) return false;
    if (!roles_satisfied(rule.roles, rule.roles_match, who)) return false;
  }
  if (rule.when && !rule.when->holds(who, request)) {
    if (walk.anonymous && could_allow && rule.when->uses_principal()) walk.identity_would_help = true;
    return false;
  }
  authorization_decision d;
  if (rule.action == rule_action::deny) {
    d = refuse(who, walk, authorization_decision::forbid(reason_rule_deny));
  } else {
    d = authorization_decision::allow(rule.action == rule_action::authenticate ? reason_rule_authenticated
                                                                                : reason_rule_allow);
  }
  d.source = decision_source::rule;
  d.rule_index = static_cast<int>(index);
  d.rule_name = rule.label;
  out = d.allowed ? consult_hooks(who, request, d) : d;
  return true;
}

authorization_decision authorization_policy::finish(const principal& who, const request_attributes& request,
                                                    const decide_walk& walk) const {
  const bool default_allows =
      default_for(request.vhost) == rule_action::allow && !(default_for_uncovered_only_ && walk.covered);
  authorization_decision d =
      default_allows ? authorization_decision::allow(reason_default_allow)
                     : refuse(who, walk,
                              authorization_decision::forbid(walk.covered && default_for_uncovered_only_
                                                                 ? reason_covered_deny
                                                                 : reason_default_deny));
  d.source = decision_source::vhost_default;
  return d.allowed ? consult_hooks(who, request, d) : d;
}

authorization_decision authorization_policy::consult_hooks(const principal& who, const request_attributes& request,
                                                           authorization_decision allowed) const {
  for (const registered_authorization_hook& h : hooks_) {
    authorization_decision verdict;
    try {
      verdict = h.hook->decide(who, request);
    } catch (...) {
      // Fail closed: a broken hook must not open what it was meant to guard.
      verdict = authorization_decision::forbid(reason_hook_threw);
    }
    if (verdict.allowed) continue;
    authorization_decision d = verdict.status == 401 ? authorization_decision::unauthenticated(verdict.reason)
                                                     : authorization_decision::forbid(verdict.reason);
    d.source = decision_source::hook;
    d.rule_index = allowed.rule_index;
    d.rule_name = h.name;
    d.challenge = verdict.challenge;
    return d;
  }
  return allowed;
}

}  // namespace ferry
