#include "modules/auth/auth_config.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_checks.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"
#include "http/request.hpp"
#include "modules/auth/api_key_file.hpp"
#include "modules/auth/audit_writer_registry.hpp"
#include "modules/auth/basic_auth.hpp"
#include "modules/auth/jwt_algorithm.hpp"

namespace ferry {
namespace {

using namespace std::chrono_literals;

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string element_path(const std::string& array_path, std::size_t i) {
  return array_path + "[" + std::to_string(i) + "]";
}

bool read_required(toml_table_reader& reader, std::string_view key, std::string& out) {
  if (reader.table().get(key) == nullptr) {
    reader.errors().report(reader.table(), reader.path() + ": missing " + quoted(key));
    return false;
  }
  if (!reader.read(key, out)) return false;
  if (out.empty()) {
    reader.errors().report(*reader.table().get(key), reader.key_path(key) + ": must not be empty");
    return false;
  }
  return true;
}

// Calls fn(table, path) for each element of the array under `key`, which must be tables.
template <class Fn>
void for_each_table(toml_table_reader& reader, std::string_view key, Fn&& fn) {
  const toml::node* node = reader.take(key);
  if (node == nullptr) return;
  const std::string path = reader.key_path(key);
  const toml::array* array = expect_array(*node, path, reader.errors());
  if (array == nullptr) return;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string item = element_path(path, i);
    if (const toml::table* table = expect_table(*array->get(i), item, reader.errors())) fn(*table, item);
  }
}

void report_all(config_error_sink& errors, const toml::node& node, std::string_view prefix,
                const std::vector<std::string>& messages) {
  for (const std::string& message : messages) errors.report(node, std::string(prefix) + message);
}

// --- [auth.api_keys] ---------------------------------------------------------------------------

void read_api_keys(const toml::table& table, config_error_sink& errors, auth_config& out) {
  toml_table_reader reader(table, "auth.api_keys", errors);
  auth_api_key_settings settings;
  if (reader.read("header", settings.header) && !settings.header.empty()) {
    if (!is_http_token(settings.header) || iequals(settings.header, "Authorization")) {
      errors.report(*table.get("header"), reader.key_path("header") + " = " + quote_for_message(settings.header) +
                                              ": must be a header name other than Authorization");
    }
  }
  const toml::node* keys_node = table.get("keys");
  const std::size_t before = errors.messages().size();
  for_each_table(reader, "keys", [&](const toml::table& key_table, const std::string& path) {
    const std::size_t entry_before = errors.messages().size();
    toml_table_reader key_reader(key_table, path, errors);
    api_key_entry entry;
    read_required(key_reader, "id", entry.id);
    read_required(key_reader, "hash", entry.hash);
    key_reader.read("roles", entry.roles);
    key_reader.read("expires", entry.expires);
    key_reader.report_unknown_keys();
    entry.origin = path;
    // Checked one by one so that each problem gets this entry's line.
    if (errors.messages().size() == entry_before) {
      auto alone = make_api_key_set({entry});
      report_all(errors, key_table, "", alone.errors);
    }
    settings.config_keys.push_back(std::move(entry));
  });
  if (reader.read("file", settings.file) && settings.file.empty()) {
    errors.report(*table.get("file"), reader.key_path("file") + ": must not be empty");
  }
  reader.report_unknown_keys();
  if (errors.messages().size() != before) {
    // The entries' own problems are reported; a set made of them would repeat them.
  } else if (!settings.file.empty()) {
    auto load = load_api_key_file(settings.file, settings.config_keys);
    report_all(errors, *table.get("file"), reader.key_path("file") + ": ", load.errors);
    out.sets.api_keys = load.set;
    out.sets.api_key_stamp = load.stamp;
  } else {
    auto made = make_api_key_set(settings.config_keys);
    // Each entry is fine on its own; what is left is about the set (duplicates).
    if (!made.set) {
      report_all(errors, keys_node != nullptr ? *keys_node : static_cast<const toml::node&>(table),
                 "auth.api_keys: ", made.errors);
    }
    out.sets.api_keys = made.set;
  }
  out.settings.api_keys = std::move(settings);
}

// --- [auth.jwt] --------------------------------------------------------------------------------

void read_jwt(const toml::table& table, config_error_sink& errors, auth_config& out) {
  const std::size_t before = errors.messages().size();
  toml_table_reader reader(table, "auth.jwt", errors);
  auth_jwt_settings settings;
  auto read_algorithm = [&](toml_table_reader& source_reader, std::optional<jwt_algorithm>& algorithm) {
    std::string name;
    if (!source_reader.read("alg", name)) return;
    algorithm = parse_jwt_algorithm(name);
    if (!algorithm) {
      errors.report(*source_reader.table().get("alg"), source_reader.key_path("alg") + " = " +
                                                           quote_for_message(name) + ": unknown JWS algorithm");
    }
  };
  for_each_table(reader, "keys", [&](const toml::table& key_table, const std::string& path) {
    toml_table_reader key_reader(key_table, path, errors);
    jwt_key_source source;
    read_required(key_reader, "file", source.path);
    if (key_table.get("alg") == nullptr) errors.report(key_table, path + ": missing 'alg'");
    read_algorithm(key_reader, source.algorithm);
    key_reader.read("kid", source.kid);
    key_reader.report_unknown_keys();
    // An HS* key is a secret file; anything else a PEM public key or certificate.
    if (source.algorithm && key_family(*source.algorithm) == jwt_key_family::hmac) {
      source.type = jwt_key_source::kind::secret_file;
    }
    settings.sources.push_back(std::move(source));
  });
  for_each_table(reader, "jwks", [&](const toml::table& key_table, const std::string& path) {
    toml_table_reader key_reader(key_table, path, errors);
    jwt_key_source source;
    source.type = jwt_key_source::kind::jwks_file;
    read_required(key_reader, "file", source.path);
    read_algorithm(key_reader, source.algorithm);
    key_reader.report_unknown_keys();
    settings.sources.push_back(std::move(source));
  });
  reader.read("issuers", settings.options.issuers);
  reader.read("audiences", settings.options.audiences);
  reader.read("required_claims", settings.options.required_claims);
  std::chrono::milliseconds leeway = settings.options.leeway;
  if (reader.read_duration("leeway", 0ms, 1h, leeway)) {
    settings.options.leeway = std::chrono::duration_cast<std::chrono::seconds>(leeway);
  }
  if (reader.read("roles_claim", settings.roles_claim) && settings.roles_claim.empty()) {
    errors.report(*table.get("roles_claim"), reader.key_path("roles_claim") + ": must not be empty");
  }
  std::uint64_t max_token = settings.options.max_token_bytes;
  if (reader.read_size("max_token_size", 256, 64 * 1024, max_token)) {
    settings.options.max_token_bytes = static_cast<std::size_t>(max_token);
  }
  reader.read_integer("cache_entries", 0, 1'000'000, settings.cache_entries);
  std::chrono::milliseconds ttl = settings.cache_ttl;
  if (reader.read_duration("cache_ttl", 1s, 24h, ttl)) {
    settings.cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  }
  reader.report_unknown_keys();
  if (settings.sources.empty() && errors.messages().size() == before) {
    errors.report(table, "auth.jwt: needs at least one entry in 'keys' or 'jwks'");
  }
  if (errors.messages().size() == before) {
    auto load = load_jwt_key_set(settings.sources);
    if (!load.error.empty()) errors.report(table, "auth.jwt: " + load.error);
    for (std::string& warning : load.warnings) out.warnings.push_back("auth.jwt: " + std::move(warning));
    out.sets.jwt_keys = load.keys;
  }
  out.settings.jwt = std::move(settings);
}

// --- [auth.basic], [auth.signed_urls] ----------------------------------------------------------

void read_basic(const toml::table& table, config_error_sink& errors, auth_config& out) {
  toml_table_reader reader(table, "auth.basic", errors);
  std::string path;
  const bool have = read_required(reader, "htpasswd", path);
  reader.report_unknown_keys();
  out.settings.htpasswd_file = path;
  if (!have) return;
  auto load = load_htpasswd_file(path);
  report_all(errors, *table.get("htpasswd"), "auth.basic.htpasswd: ", load.errors);
  out.sets.htpasswd = load.set;
  out.sets.htpasswd_stamp = load.stamp;
}

void read_signed_urls(const toml::table& table, config_error_sink& errors, auth_config& out) {
  toml_table_reader reader(table, "auth.signed_urls", errors);
  auth_signed_url_settings settings;
  const bool have = read_required(reader, "file", settings.file);
  reader.read("bind_client_ip", settings.options.bind_client_ip);
  reader.report_unknown_keys();
  if (have) {
    auto load = load_url_signing_key_file(settings.file);
    report_all(errors, *table.get("file"), "auth.signed_urls.file: ", load.errors);
    out.sets.url_keys = load.set;
    out.sets.url_key_stamp = load.stamp;
  }
  out.settings.signed_urls = std::move(settings);
}

// --- [auth.mtls] -------------------------------------------------------------------------------

void read_mtls(const toml::table& table, config_error_sink& errors, auth_config& out) {
  toml_table_reader reader(table, "auth.mtls", errors);
  bool reject_unmapped = false;
  reader.read_choice("unmapped", {{"subject", false}, {"reject", true}}, reject_unmapped);
  std::vector<certificate_identity_rule> rules;
  for_each_table(reader, "identities", [&](const toml::table& entry, const std::string& path) {
    toml_table_reader entry_reader(entry, path, errors);
    certificate_identity_rule rule;
    int fields = 0;
    const std::pair<std::string_view, certificate_field> names[] = {{"subject", certificate_field::subject},
                                                                    {"dns", certificate_field::dns},
                                                                    {"uri", certificate_field::uri},
                                                                    {"email", certificate_field::email}};
    for (const auto& [name, field] : names) {
      if (entry.get(name) == nullptr) continue;
      ++fields;
      if (!entry_reader.read(name, rule.pattern)) continue;
      rule.field = field;
      if (const std::string problem = certificate_identity_map::check_pattern(rule.pattern); !problem.empty()) {
        errors.report(*entry.get(name), entry_reader.key_path(name) + ": " + problem);
      }
    }
    if (fields != 1) errors.report(entry, path + ": needs exactly one of 'subject', 'dns', 'uri', 'email'");
    entry_reader.read("principal", rule.principal);
    entry_reader.read("roles", rule.roles);
    entry_reader.read("tenant", rule.tenant);
    entry_reader.report_unknown_keys();
    rules.push_back(std::move(rule));
  });
  reader.report_unknown_keys();
  out.settings.certificates = certificate_identity_map(std::move(rules), reject_unmapped);
}

// --- [auth.audit] ------------------------------------------------------------------------------

// Validates the table; the writer is started by load_auth_config once everything else is good.
void read_audit(const toml::table& table, config_error_sink& errors, auth_config& out,
                std::optional<audit_writer_options>& start) {
  toml_table_reader reader(table, "auth.audit", errors);
  std::string target = "off";
  audit_writer_options options;
  const std::size_t before = errors.messages().size();
  if (reader.read("target", target)) {
    const std::string problem = check_access_log(target);
    if (!problem.empty()) {
      errors.report(*table.get("target"), reader.key_path("target") + ": must be \"off\", \"stdout\", "
                                                                      "\"syslog\" or a file path");
    }
  }
  reader.read_choice("events", {{"all", false}, {"denials", true}}, out.settings.audit.denials_only);
  reader.read("hash_chain", options.chain);
  reader.read_choice("queue_full", {{"block", audit_overflow::block}, {"drop", audit_overflow::drop}},
                     options.overflow);
  reader.read_integer("queue_size", 1, 1'000'000, options.queue_capacity);
  reader.report_unknown_keys();
  if (target == "off" || errors.messages().size() != before) return;
  if (target == "stdout") {
    options.sink = audit_sink::standard_output;
  } else if (target == "syslog") {
    options.sink = audit_sink::syslog;
  } else {
    options.sink = audit_sink::file;
    options.path = target;
  }
  start = std::move(options);
}

// A rule that names a credential method whose table is absent could never authenticate anyone.
void check_methods_configured(const toml::table& table, const auth_config& config, config_error_sink& errors) {
  struct requirement {
    auth_method method;
    bool present;
    std::string_view table;
  };
  const requirement requirements[] = {
      {auth_method::jwt, config.settings.jwt.has_value(), "[auth.jwt]"},
      {auth_method::api_key, config.settings.api_keys.has_value(), "[auth.api_keys]"},
      {auth_method::basic, !config.settings.htpasswd_file.empty(), "[auth.basic]"},
      {auth_method::signed_url, config.settings.signed_urls.has_value(), "[auth.signed_urls]"},
  };
  const toml::node* rules = table.get("rules");
  for (const requirement& r : requirements) {
    if (!config.settings.configured_methods.contains(r.method) || r.present) continue;
    errors.report(rules != nullptr ? *rules : static_cast<const toml::node&>(table),
                  "auth.rules: a rule accepts \"" + std::string(auth_method_name(r.method)) + "\" but " +
                      std::string(r.table) + " is not configured");
  }
}

}  // namespace

std::optional<auth_config> load_auth_config(const toml::table& table, config_error_sink& errors) {
  const std::size_t before = errors.messages().size();
  auth_config config;
  toml_table_reader reader(table, "auth", errors);
  rule_action default_action = rule_action::allow;
  reader.read_choice("default", {{"allow", rule_action::allow}, {"deny", rule_action::deny}}, default_action);
  if (reader.read("realm", config.settings.realm) && !valid_basic_realm(config.settings.realm)) {
    errors.report(*table.get("realm"), "auth.realm: must be 1 to 128 characters without control characters");
  }
  auto sub_table = [&](std::string_view key, auto&& read) {
    const toml::node* node = reader.take(key);
    if (node == nullptr) return;
    if (const toml::table* sub = expect_table(*node, reader.key_path(key), errors)) read(*sub, errors, config);
  };
  sub_table("api_keys", read_api_keys);
  sub_table("jwt", read_jwt);
  sub_table("basic", read_basic);
  sub_table("signed_urls", read_signed_urls);
  sub_table("mtls", read_mtls);
  std::optional<audit_writer_options> audit;
  const toml::node* audit_node = reader.take("audit");
  if (audit_node != nullptr) {
    if (const toml::table* sub = expect_table(*audit_node, "auth.audit", errors)) read_audit(*sub, errors, config, audit);
  }
  config.settings.policy =
      read_auth_rules(reader.take("rules"), default_action, errors, config.settings.configured_methods);
  reader.report_unknown_keys();
  check_methods_configured(table, config, errors);
  if (errors.messages().size() != before) return std::nullopt;
  // Last, so that a config with errors does not start a writer thread (or create a file).
  if (audit) {
    std::string error;
    std::string warning;
    auto writer = open_shared_audit_writer(*audit, error, warning);
    if (!writer) {
      errors.report(*audit_node->as_table()->get("target"), "auth.audit.target: " + error);
      return std::nullopt;
    }
    if (!warning.empty()) config.warnings.push_back(std::move(warning));
    config.settings.audit.writer = std::move(writer);
  }
  return config;
}

}  // namespace ferry
