#include "modules/auth/auth_checker.hpp"

#include <chrono>
#include <string_view>
#include <utility>

#include "modules/auth/api_key_extract.hpp"
#include "modules/auth/audit_event.hpp"
#include "modules/auth/basic_auth.hpp"
#include "modules/auth/jwt_verifier.hpp"
#include "modules/auth/signed_url.hpp"

namespace ferry {
namespace {

const request empty_request{};

// Three non-empty dot-separated parts: the JWS compact form (a JWE would have five).
bool has_jwt_shape(std::string_view token) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || second == first + 1 || second + 1 >= token.size()) return false;
  return token.find('.', second + 1) == std::string_view::npos;
}

// The auth-scheme of an Authorization value (RFC 9110 §11.6.2), e.g. "Bearer".
std::string_view scheme_of(std::string_view value) {
  const std::size_t space = value.find(' ');
  return value.substr(0, space);
}

// What jwt_bearer_token(authorization) returns when the value is a valid Bearer token, without
// checking the token's characters: after "Bearer" (any case) and one or more spaces, the rest
// without trailing spaces and tabs; "" when the value does not start that way. Only for looking
// the token up in the cache: every entry there is a token that jwt_bearer_token returned, so a
// hit means that the full check would have returned these same bytes.
std::string_view bearer_credentials(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme)) return {};
  std::string_view rest = authorization.substr(scheme.size());
  if (rest.front() != ' ') return {};
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return rest;
}

// The second count the verifier uses for exp and nbf (and so for the cache's expiry).
std::int64_t verifier_seconds(std::chrono::system_clock::time_point now) {
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
}

// Appends `text` as the inside of a quoted-string ('"' and '\' escaped).
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

constexpr std::string_view authorization_header = "Authorization";

}  // namespace

auth_checker::auth_checker(std::shared_ptr<const auth_access_control> owner) : owner_(std::move(owner)) {
  const auth_settings& settings = owner_->settings();
  if (settings.jwt && settings.jwt->cache_entries > 0) {
    cache_.emplace(settings.jwt->cache_entries, settings.jwt->cache_ttl);
  }
  refresh_sets();
}

void auth_checker::refresh_sets() {
  // Generation first: a reload publishing between the two loads is then seen next time.
  generation_ = owner_->generation();
  sets_ = owner_->sets();
}

void auth_checker::reset_principal() {
  who_.method = auth_method::none;
  who_.credentials_rejected = false;
  who_.subject.clear();
  who_.key_id.clear();
  who_.tenant.clear();
  who_.roles.clear();
  who_.claims.clear();
  who_.list_claims.clear();
  jwt_who_.reset();
}

std::shared_ptr<const principal> auth_checker::jwt_identity(const jwt_claims& claims) const {
  auto who = std::make_shared<principal>();
  who->method = auth_method::jwt;
  who->subject = claims.subject();
  for (const std::string_view role : claims.values(owner_->settings().jwt->roles_claim)) who->roles.emplace_back(role);
  if (auto tenant = claims.string_claim("tenant")) who->tenant = *tenant;
  const json_value& payload = claims.payload();
  for (const json_member& member : payload.members) {
    if (member.value.is_string()) {
      who->claims.push_back({member.name, member.value.text});
    } else if (member.value.is_array()) {
      if (auto items = claims.string_array_claim(member.name)) {
        named_list_claim list{member.name, {}};
        list.values.assign(items->begin(), items->end());
        who->list_claims.push_back(std::move(list));
      }
    }
  }
  return who;
}

void auth_checker::accept_jwt(std::shared_ptr<const principal> identity) {
  // who_ only records that someone is authenticated (later checks then leave it alone); the
  // identity itself stays shared until check() decides.
  who_.method = auth_method::jwt;
  jwt_who_ = std::move(identity);
}

void auth_checker::accept_api_key(const credential_result& result) {
  who_.method = auth_method::api_key;
  who_.subject = result.principal->id;
  who_.key_id = result.principal->id;
  who_.roles = result.principal->roles;
}

void auth_checker::check_bearer(auth_method_set wanted, std::string_view authorization,
                                std::chrono::system_clock::time_point now, std::int64_t now_unix,
                                credential_outcome& outcome) {
  const jwt_verifier* verifier = owner_->verifier();
  const bool jwt = wanted.contains(auth_method::jwt) && verifier != nullptr && sets_->jwt_keys;
  const bool api_key = wanted.contains(auth_method::api_key) && sets_->api_keys;

  // The common case first: the token this client sent before, found in the cache before the
  // token's characters are even checked (see bearer_credentials). A cached token verified as a
  // JWT, so it has the JWT shape the choice below would look for.
  if (jwt && cache_) {
    const std::string_view credentials = bearer_credentials(authorization);
    if (!credentials.empty() && credentials.size() <= verifier->options().max_token_bytes &&
        (!api_key || has_jwt_shape(credentials))) {
      if (jwt_token_cache::cached_token* hit =
              cache_->lookup(credentials, sets_->jwt_keys->generation(), verifier_seconds(now))) {
        if (!who_.authenticated()) {
          if (!hit->identity) hit->identity = jwt_identity(*hit->claims);
          accept_jwt(hit->identity);
        }
        return;
      }
    }
  }

  const std::string_view token = jwt_bearer_token(authorization);
  if (token.empty()) {
    outcome.rejected = outcome.bearer_rejected = true;
    return;
  }
  if (jwt && (!api_key || has_jwt_shape(token))) {
    jwt_result result = verifier->verify(token, *sets_->jwt_keys, cache_ ? &*cache_ : nullptr);
    if (result.verdict == jwt_verdict::ok && result.claims) {
      if (!who_.authenticated()) accept_jwt(jwt_identity(*result.claims));
    } else {
      outcome.rejected = outcome.bearer_rejected = true;
    }
    return;
  }
  if (api_key) {
    const credential_result result = sets_->api_keys->check(token, now_unix);
    if (result.authenticated()) {
      if (!who_.authenticated()) accept_api_key(result);
    } else {
      outcome.rejected = outcome.bearer_rejected = true;
    }
  }
}

void auth_checker::authenticate(auth_method_set wanted, const access_request& in, const request_attributes& attributes,
                                std::chrono::system_clock::time_point now, std::int64_t now_unix,
                                credential_outcome& outcome) {
  const request& req = in.req != nullptr ? *in.req : empty_request;
  const auth_settings& settings = owner_->settings();

  if (wanted.contains(auth_method::signed_url) && sets_->url_keys) {
    const credential_result result = verify_signed_url(*sets_->url_keys, settings.signed_urls->options,
                                                       attributes.path, req.query, in.remote_address, now_unix);
    if (result.authenticated()) {
      who_.method = auth_method::signed_url;
      who_.key_id = result.principal->id;
    } else if (result.verdict != credential_verdict::missing) {
      outcome.rejected = true;
    }
  }

  // One pass over the headers finds both places a credential may be: Authorization, and the
  // configured API key header. Each counts: a repeated one is ambiguous (which copy would a
  // proxy in front of us have checked?).
  const bool bearer_wanted = wanted.contains(auth_method::jwt) || wanted.contains(auth_method::api_key);
  const bool basic_wanted = wanted.contains(auth_method::basic) && sets_->htpasswd;
  const bool authorization_wanted = bearer_wanted || basic_wanted;
  const bool api_header_wanted = wanted.contains(auth_method::api_key) && sets_->api_keys && settings.api_keys &&
                                 !settings.api_keys->header.empty();
  const std::string_view api_header =
      api_header_wanted ? std::string_view(settings.api_keys->header) : std::string_view();
  std::string_view authorization;
  std::size_t authorization_count = 0;
  std::string_view api_key_value;
  std::size_t api_key_count = 0;
  if (authorization_wanted || api_header_wanted) {
    for (const header_view& h : req.headers()) {
      // The length test first: most names differ in it, and iequals is not inlined.
      if (authorization_wanted && h.name.size() == authorization_header.size() &&
          iequals(h.name, authorization_header)) {
        if (authorization_count++ == 0) authorization = h.value;
      }
      if (api_header_wanted && h.name.size() == api_header.size() && iequals(h.name, api_header)) {
        if (api_key_count++ == 0) api_key_value = h.value;
      }
    }
  }

  if (authorization_count > 1) {
    outcome.rejected = true;
    outcome.bearer_rejected = bearer_wanted;
  } else if (authorization_count == 1) {
    const std::string_view scheme = scheme_of(authorization);
    if (bearer_wanted && iequals(scheme, "Bearer")) {
      check_bearer(wanted, authorization, now, now_unix, outcome);
    } else if (basic_wanted && iequals(scheme, "Basic")) {
      basic_parse_result parsed = parse_basic_authorization(authorization);
      const credential_result result = parsed.verdict == credential_verdict::ok
                                           ? sets_->htpasswd->check(parsed.credentials)
                                           : credential_result{parsed.verdict, nullptr, {}, parsed.reason};
      if (result.authenticated()) {
        if (!who_.authenticated()) {
          who_.method = auth_method::basic;
          who_.subject = result.principal->id;
        }
      } else if (result.verdict != credential_verdict::missing) {
        outcome.rejected = true;
      }
    }
    // Another scheme: not a credential this location checks; the challenge says what is.
  }

  if (api_header_wanted) {
    const presented_api_key presented = parse_api_key_header(api_key_value, api_key_count);
    credential_result result;
    if (presented.verdict == credential_verdict::ok) {
      result = sets_->api_keys->check(presented.key, now_unix);
    } else {
      result.verdict = presented.verdict;
      result.reason = presented.reason;
    }
    if (result.authenticated()) {
      if (!who_.authenticated()) accept_api_key(result);
    } else if (result.verdict != credential_verdict::missing) {
      outcome.rejected = outcome.bearer_rejected = true;
    }
  }

  if (wanted.contains(auth_method::mtls) && in.tls != nullptr && in.tls->client_verified && !who_.authenticated()) {
    if (settings.certificates.resolve(*in.tls, certificate_)) {
      who_.method = auth_method::mtls;
      who_.subject = certificate_.principal;
      who_.roles = certificate_.roles;
      who_.tenant = certificate_.tenant;
    } else {
      outcome.rejected = true;  // verified by TLS, but no [auth.mtls] identity admits it
    }
  }

  if (outcome.rejected) {
    reset_principal();
    who_.credentials_rejected = true;
  }
}

void auth_checker::fill_challenges(const authorization_decision& decision, const credential_outcome& outcome,
                                   access_decision& out) const {
  const auth_settings& settings = owner_->settings();
  const auth_method_set offered = decision.challenge.empty() ? settings.configured_methods : decision.challenge;
  if (offered.contains(auth_method::jwt) || offered.contains(auth_method::api_key)) {
    std::string challenge = "Bearer realm=";
    append_quoted(challenge, settings.realm);
    if (outcome.bearer_rejected) challenge += ", error=\"invalid_token\"";
    out.challenges.push_back(std::move(challenge));
  }
  if (offered.contains(auth_method::basic)) out.challenges.push_back(basic_challenge(settings.realm));
}

void auth_checker::check(const access_request& in, access_decision& out) {
  out.clear();
  if (owner_->generation() != generation_) refresh_sets();
  const request& req = in.req != nullptr ? *in.req : empty_request;
  const auto now = owner_->now();
  const std::int64_t now_unix = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();

  request_attributes attributes;
  attributes.vhost = in.vhost;
  attributes.path = in.path;
  attributes.method = req.method_name;
  attributes.client_address = in.remote_address;
  attributes.tls = in.tls != nullptr;
  attributes.headers = req.headers();
  attributes.now = now;

  reset_principal();
  who_.certificate_subject.clear();
  who_.certificate_sans.clear();
  if (in.tls != nullptr && in.tls->client_verified) {
    // Visible to rules and the audit whichever method authenticates.
    const tls_client_names& names = in.tls->client_names();
    who_.certificate_subject = names.subject;
    for (const auto& name : names.dns_names) who_.certificate_sans.push_back("DNS:" + name);
    for (const auto& uri : names.uris) who_.certificate_sans.push_back("URI:" + uri);
    for (const auto& email : names.emails) who_.certificate_sans.push_back("email:" + email);
  }

  const authorization_policy& policy = *owner_->settings().policy;
  const auth_method_set wanted = policy.credential_methods(attributes, matches_);
  credential_outcome outcome;
  if (!wanted.empty()) authenticate(wanted, in, attributes, now, now_unix, outcome);

  const principal* who = &who_;
  if (jwt_who_) {
    if (who_.certificate_subject.empty() && who_.certificate_sans.empty()) {
      who = jwt_who_.get();  // the usual case: the token's principal as it is, no copy
    } else {
      // A client certificate as well: its fields are this request's, so the token's principal
      // is copied in beside them.
      who_.subject = jwt_who_->subject;
      who_.key_id = jwt_who_->key_id;
      who_.tenant = jwt_who_->tenant;
      who_.roles = jwt_who_->roles;
      who_.claims = jwt_who_->claims;
      who_.list_claims = jwt_who_->list_claims;
    }
  }
  const authorization_decision decision = policy.decide(*who, attributes, matches_);

  const auth_audit_settings& audit = owner_->settings().audit;
  if (audit.writer && (!audit.denials_only || !decision.allowed)) {
    const std::string_view request_id = in.identity != nullptr ? in.identity->id() : std::string_view();
    const std::string_view trace_id = in.identity != nullptr ? in.identity->trace() : std::string_view();
    audit_line_.clear();
    append_audit_event(audit_line_, make_authorization_audit_event(*who, attributes, decision, request_id, trace_id));
    audit.writer->submit(audit_line_);
  }

  if (who->authenticated()) {
    out.principal = who->subject.empty() ? who->key_id : who->subject;
    out.tenant = who->tenant;
  }
  if (decision.allowed) return;
  out.status = decision.status == 401 ? 401 : 403;
  if (out.status == 401) {
    fill_challenges(decision, outcome, out);
    // A 401 must carry a challenge (RFC 9110 §15.5.2); signed URLs and client certificates
    // have none, so a refusal there is a 403.
    if (out.challenges.empty()) out.status = 403;
  }
}

}  // namespace ferry
