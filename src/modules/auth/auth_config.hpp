// The [auth] table, read once per configuration load into immutable settings plus the first
// contents of the credential files (keys, JWKS, htpasswd, URL signing keys). Loading a file is
// part of reading the config: a file that cannot be loaded is a config error at the line of its
// key, at start-up and on a config reload alike. Later file changes are picked up by
// auth_access_control::reload_changed_files, without a config reload.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/audit_writer.hpp"
#include "modules/auth/authorization_policy.hpp"
#include "modules/auth/certificate_identity.hpp"
#include "modules/auth/credential_file.hpp"
#include "modules/auth/htpasswd.hpp"
#include "modules/auth/jwt_key_set.hpp"
#include "modules/auth/jwt_verifier.hpp"
#include "modules/auth/signed_url.hpp"

namespace ferry {

struct auth_jwt_settings {
  std::vector<jwt_key_source> sources;
  jwt_verifier_options options;
  std::string roles_claim = "roles";
  std::size_t cache_entries = 1024;  // per worker; 0 = no cache
  std::chrono::seconds cache_ttl{300};
};

struct auth_api_key_settings {
  std::string header;                      // besides Authorization: Bearer; "" = Bearer only
  std::vector<api_key_entry> config_keys;  // written in ferry.toml (kept for reloads of `file`)
  std::string file;                        // "" = none
};

struct auth_signed_url_settings {
  std::string file;
  signed_url_options options;
};

struct auth_audit_settings {
  bool denials_only = false;
  std::shared_ptr<audit_writer> writer;  // null: audit off
};

// What the checkers read and never change.
struct auth_settings {
  std::string realm = "ferry";
  std::shared_ptr<const authorization_policy> policy;
  auth_method_set configured_methods;  // methods named by some rule (the challenges on offer)
  std::optional<auth_jwt_settings> jwt;
  std::optional<auth_api_key_settings> api_keys;
  std::string htpasswd_file;  // "" = no [auth.basic]
  std::optional<auth_signed_url_settings> signed_urls;
  certificate_identity_map certificates;  // [auth.mtls]: verified client certificate -> principal
  auth_audit_settings audit;
};

// The credential sets in force: replaced as a whole when a file changes.
struct auth_credential_sets {
  std::shared_ptr<const jwt_key_set> jwt_keys;
  std::shared_ptr<const api_key_set> api_keys;
  credential::file_stamp api_key_stamp;
  std::shared_ptr<const htpasswd_set> htpasswd;
  credential::file_stamp htpasswd_stamp;
  std::shared_ptr<const url_signing_key_set> url_keys;
  credential::file_stamp url_key_stamp;
};

struct auth_config {
  auth_settings settings;
  auth_credential_sets sets;
  std::vector<std::string> warnings;  // e.g. JWKs skipped; for the error log
};

// Reads [auth] and loads the files it names. Every problem is reported to `errors` with its
// line; nullopt when there was any (nothing is half-configured). Starts the audit writer when
// [auth.audit] target is not "off".
std::optional<auth_config> load_auth_config(const toml::table& table, config_error_sink& errors);

// [[auth.rules]] and `default` into a policy (auth_rules_config.cpp). Reports with lines;
// null when there was a problem. `methods` receives the union of the rules' `auth` lists.
std::shared_ptr<const authorization_policy> read_auth_rules(const toml::node* rules, rule_action default_action,
                                                            config_error_sink& errors, auth_method_set& methods);

}  // namespace ferry
