// [[auth.rules]] and their `when` conditions: TOML into policy_rule_spec, each problem at its
// own line. The policy's own validation (authorization_policy::build) runs per rule as well, so
// its messages also get the rule's line.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_checks.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"
#include "modules/auth/auth_config.hpp"
#include "modules/auth/policy_condition.hpp"

namespace ferry {
namespace {

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool read_required_string(toml_table_reader& reader, std::string_view key, std::string& out) {
  if (reader.table().get(key) == nullptr) {
    reader.errors().report(reader.table(), reader.path() + ": missing " + quoted(key));
    return false;
  }
  return reader.read(key, out);
}

std::optional<policy_condition> read_condition(const toml::node& node, const std::string& name,
                                               config_error_sink& errors, std::size_t depth);

std::optional<std::vector<policy_condition>> read_condition_list(const toml::node& node, const std::string& name,
                                                                 config_error_sink& errors, std::size_t depth) {
  const toml::array* array = expect_array(node, name, errors);
  if (array == nullptr) return std::nullopt;
  std::vector<policy_condition> children;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto child = read_condition(*array->get(i), name + "[" + std::to_string(i) + "]", errors, depth + 1);
    if (child) {
      children.push_back(std::move(*child));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return children;
}

// The tests a condition table can hold; exactly one of them per table.
constexpr std::string_view condition_kinds[] = {"all", "any", "not", "claim", "tenant",
                                                "client_address_in", "tls", "time", "header"};

std::optional<policy_condition> read_time_condition(const toml::node& node, const std::string& name,
                                                    config_error_sink& errors) {
  const toml::table* table = expect_table(node, name, errors);
  if (table == nullptr) return std::nullopt;
  toml_table_reader reader(*table, name, errors);
  std::string days = "*";
  std::string hours = "00:00-24:00";
  std::string zone = "UTC";
  reader.read("days", days);
  reader.read("hours", hours);
  reader.read("zone", zone);
  reader.report_unknown_keys();
  auto window = parse_time_window(days, hours, zone);
  if (!window) {
    errors.report(node, name + ": " + window.error);
    return std::nullopt;
  }
  return policy_condition::time_in(window.value);
}

std::optional<policy_condition> read_condition(const toml::node& node, const std::string& name,
                                               config_error_sink& errors, std::size_t depth) {
  if (depth > max_condition_depth) {
    errors.report(node, name + ": conditions nest at most " + std::to_string(max_condition_depth) + " deep");
    return std::nullopt;
  }
  const toml::table* table = expect_table(node, name, errors);
  if (table == nullptr) return std::nullopt;
  std::string_view kind;
  std::size_t kinds = 0;
  for (const std::string_view candidate : condition_kinds) {
    if (table->get(candidate) == nullptr) continue;
    if (kinds++ == 0) kind = candidate;
  }
  if (kinds != 1) {
    errors.report(node, name + ": a condition has exactly one of all, any, not, claim, tenant, "
                               "client_address_in, tls, time, header");
    return std::nullopt;
  }
  toml_table_reader reader(*table, name, errors);
  const std::size_t before = errors.messages().size();
  std::optional<policy_condition> out;
  if (kind == "all" || kind == "any") {
    auto children = read_condition_list(*reader.take(kind), reader.key_path(kind), errors, depth);
    if (children) {
      out = kind == "all" ? policy_condition::all_of(std::move(*children))
                          : policy_condition::any_of(std::move(*children));
    }
  } else if (kind == "not") {
    auto child = read_condition(*reader.take("not"), reader.key_path("not"), errors, depth + 1);
    if (child) out = policy_condition::negation_of(std::move(*child));
  } else if (kind == "claim") {
    std::string claim;
    if (reader.read("claim", claim) && claim.empty()) errors.report(*table->get("claim"), name + ": empty claim name");
    const bool has_equals = table->get("equals") != nullptr;
    const bool has_in = table->get("in") != nullptr;
    const bool has_contains = table->get("contains") != nullptr;
    if (static_cast<int>(has_equals) + static_cast<int>(has_in) + static_cast<int>(has_contains) != 1) {
      errors.report(node, name + ": a claim test has exactly one of equals, in, contains");
    } else if (has_equals) {
      std::string value;
      if (reader.read("equals", value)) out = policy_condition::claim_equals(claim, std::move(value));
    } else if (has_in) {
      std::vector<std::string> values;
      if (reader.read("in", values)) out = policy_condition::claim_in(claim, std::move(values));
    } else {
      std::string value;
      if (reader.read("contains", value)) out = policy_condition::claim_contains(claim, std::move(value));
    }
  } else if (kind == "tenant") {
    std::string tenant;
    if (reader.read("tenant", tenant)) {
      if (tenant.empty()) {
        errors.report(*table->get("tenant"), name + ": empty tenant");
      } else {
        out = policy_condition::tenant_equals(std::move(tenant));
      }
    }
  } else if (kind == "client_address_in") {
    std::vector<std::string> networks;
    if (reader.read("client_address_in", networks)) {
      const toml::array& array = *table->get("client_address_in")->as_array();
      cidr_list addresses;
      for (std::size_t i = 0; i < networks.size(); ++i) {
        const std::string problem = addresses.add(networks[i]);
        if (!problem.empty()) {
          errors.report(*array.get(i), reader.key_path("client_address_in") + "[" + std::to_string(i) +
                                           "] = " + quote_for_message(networks[i]) + ": " + problem);
        }
      }
      if (networks.empty()) errors.report(array, reader.key_path("client_address_in") + ": empty list");
      out = policy_condition::client_address_in(std::move(addresses));
    }
  } else if (kind == "tls") {
    bool expected = true;
    if (reader.read("tls", expected)) out = policy_condition::tls_present(expected);
  } else if (kind == "time") {
    out = read_time_condition(*reader.take("time"), reader.key_path("time"), errors);
  } else {
    std::string header;
    if (reader.read("header", header) && !is_http_token(header)) {
      errors.report(*table->get("header"), name + ": " + quote_for_message(header) + " is not a header name");
    }
    const bool has_equals = table->get("equals") != nullptr;
    const bool has_prefix = table->get("prefix") != nullptr;
    if (has_equals == has_prefix) {
      errors.report(node, name + ": a header test has exactly one of equals, prefix");
    } else {
      std::string value;
      if (has_equals && reader.read("equals", value)) out = policy_condition::header_equals(header, std::move(value));
      if (has_prefix && reader.read("prefix", value)) out = policy_condition::header_prefix(header, std::move(value));
    }
  }
  reader.report_unknown_keys();
  if (errors.messages().size() != before) return std::nullopt;
  return out;
}

bool read_auth_methods(toml_table_reader& reader, auth_method_set& out) {
  std::vector<std::string> names;
  if (!reader.read("auth", names)) return false;
  const toml::array& array = *reader.table().get("auth")->as_array();
  bool ok = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auth_method method = auth_method::none;
    if (!parse_auth_method(names[i], method)) {
      reader.errors().report(*array.get(i), reader.key_path("auth") + "[" + std::to_string(i) + "] = " +
                                                quote_for_message(names[i]) +
                                                ": must be \"jwt\", \"api_key\", \"basic\", \"signed_url\" or \"mtls\"");
      ok = false;
      continue;
    }
    out.add(method);
  }
  return ok;
}

std::optional<policy_rule_spec> read_rule(const toml::node& node, const std::string& name, config_error_sink& errors) {
  const toml::table* table = expect_table(node, name, errors);
  if (table == nullptr) return std::nullopt;
  const std::size_t before = errors.messages().size();
  toml_table_reader reader(*table, name, errors);
  policy_rule_spec rule;
  reader.read("name", rule.name);
  reader.read("vhost", rule.vhost);
  if (read_required_string(reader, "path", rule.path)) {
    const std::string problem = check_path_glob(rule.path);
    if (!problem.empty()) {
      errors.report(*table->get("path"), reader.key_path("path") + " = " + quote_for_message(rule.path) + ": " + problem);
    }
  }
  if (reader.read("methods", rule.methods)) {
    for (const std::string& method : rule.methods) {
      if (!is_http_token(method)) {
        errors.report(*table->get("methods"), reader.key_path("methods") + ": " + quote_for_message(method) +
                                                  " is not a method name");
      }
    }
  }
  read_auth_methods(reader, rule.auth);
  reader.read("roles", rule.roles);
  reader.read_choice("roles_match", {{"any", role_requirement::any_of}, {"all", role_requirement::all_of}},
                     rule.roles_match);
  if (table->get("action") == nullptr) {
    errors.report(node, name + ": missing 'action' (\"allow\", \"deny\" or \"authenticate\")");
  } else {
    reader.read_choice("action",
                       {{"allow", rule_action::allow}, {"deny", rule_action::deny}, {"authenticate", rule_action::authenticate}},
                       rule.action);
  }
  if (const toml::node* when = reader.take("when")) rule.when = read_condition(*when, reader.key_path("when"), errors, 1);
  reader.report_unknown_keys();
  if (errors.messages().size() != before) return std::nullopt;
  // The policy's own checks (role names, globs, condition limits), at this rule's line.
  policy_spec alone;
  alone.rules.push_back(rule);
  auto built = authorization_policy::build(std::move(alone));
  if (!built) {
    errors.report(node, name + ": " + built.error);
    return std::nullopt;
  }
  return rule;
}

}  // namespace

std::shared_ptr<const authorization_policy> read_auth_rules(const toml::node* rules, rule_action default_action,
                                                            config_error_sink& errors, auth_method_set& methods) {
  policy_spec spec;
  spec.default_action = default_action;
  spec.default_for_uncovered_only = true;
  if (rules != nullptr) {
    const toml::array* array = expect_array(*rules, "auth.rules", errors);
    if (array == nullptr) return nullptr;
    if (array->size() > max_policy_rules) {
      errors.report(*rules, "auth.rules: at most " + std::to_string(max_policy_rules) + " rules");
      return nullptr;
    }
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto rule = read_rule(*array->get(i), "auth.rules[" + std::to_string(i) + "]", errors);
      if (!rule) {
        ok = false;
        continue;
      }
      methods.add(rule->auth);
      spec.rules.push_back(std::move(*rule));
    }
    if (!ok) return nullptr;
  }
  auto built = authorization_policy::build(std::move(spec), authorization_hooks().snapshot());
  if (!built) {
    if (rules != nullptr) {
      errors.report(*rules, "auth.rules: " + built.error);
    } else {
      errors.report("auth: " + built.error);
    }
    return nullptr;
  }
  return std::make_shared<const authorization_policy>(std::move(built.value));
}

}  // namespace ferry
