// Audit events: one JSON object per line, for authorization decisions, config reloads and
// certificate changes. The object is written without a trailing newline and without the chain
// field; audit_chain adds `"prev"` in front when tamper evidence is on, the writer adds '\n'.
// Every string is escaped with append_json_escaped, so the line is valid JSON whatever bytes a
// client put in its path or headers (invalid UTF-8 becomes U+FFFD). Field order is fixed and
// every field is always present ("" when unknown), so lines are easy to grep and diff.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "modules/auth/authorization_decision.hpp"
#include "modules/auth/policy_types.hpp"

namespace ferry {

// "2026-11-25T10:04:05.123Z": RFC 3339, UTC, milliseconds (truncated toward the past).
void append_rfc3339_utc_ms(std::string& out, std::chrono::system_clock::time_point time);

// {"time","event":"authorization","request_id","trace_id","vhost","tenant","remote","method",
//  "path","auth","subject","key_id","cert_subject","decision","outcome","status","rule","reason"}
struct authorization_audit_event {
  std::chrono::system_clock::time_point time{};
  std::string_view request_id;
  std::string_view trace_id;
  std::string_view vhost;
  std::string_view tenant;
  std::string_view remote_address;
  std::string_view method;
  std::string_view path;
  auth_method auth = auth_method::none;
  bool credentials_rejected = false;  // "auth" is then "rejected"
  std::string_view subject;
  std::string_view key_id;
  std::string_view certificate_subject;
  bool allowed = false;  // "decision": "allow" or "deny"
  authorization_outcome outcome = authorization_outcome::forbidden;
  int status = 403;
  std::string_view rule;
  std::string_view reason;
};

// The usual way to fill one: from what the policy saw and said. Views into the arguments.
authorization_audit_event make_authorization_audit_event(const principal& who, const request_attributes& request,
                                                         const authorization_decision& decision,
                                                         std::string_view request_id, std::string_view trace_id);

// {"time","event":"config_reload","result":"ok"|"failed","source","generation","summary"}
struct config_reload_audit_event {
  std::chrono::system_clock::time_point time{};
  bool ok = true;
  std::string_view source;   // the config file
  std::uint64_t generation = 0;  // counts successful loads
  std::string_view summary;  // "3 vhosts, 12 auth rules" or the error
};

// {"time","event":"certificate","change","name","subject","issuer","serial","not_after","sha256"}
struct certificate_audit_event {
  std::chrono::system_clock::time_point time{};
  std::string_view change;  // "loaded", "reloaded", "removed", "expiring"
  std::string_view name;    // the listener or virtual host it serves
  std::string_view subject;
  std::string_view issuer;
  std::string_view serial;     // hex
  std::string_view not_after;  // RFC 3339
  std::string_view sha256;     // fingerprint of the DER, hex
};

// Append one event object (no newline) to `out`.
void append_audit_event(std::string& out, const authorization_audit_event& event);
void append_audit_event(std::string& out, const config_reload_audit_event& event);
void append_audit_event(std::string& out, const certificate_audit_event& event);

}  // namespace ferry
