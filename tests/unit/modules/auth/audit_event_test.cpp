// Audit events as JSON: every field present and parsed back by an independent parser
// (python3's json, strict), hostile bytes in every request-derived field, and the timestamp.
#include "modules/auth/audit_event.hpp"

#include <gtest/gtest.h>

#include <string>

#include "modules/auth/audit_chain.hpp"
#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::parse_json_lines;
using policy_test::temp_dir;
using policy_test::utc;

std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::string out;
  append_rfc3339_utc_ms(out, t);
  return out;
}

TEST(audit_event, rfc3339_utc_milliseconds) {
  EXPECT_EQ(rfc3339(utc(2025, 11, 25, 10, 4) + std::chrono::milliseconds(5123)), "2025-11-25T10:04:05.123Z");
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  // Sub-millisecond parts are cut, and before 1970 they round toward the past.
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(1999))),
            "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(-1))),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339(utc(2024, 2, 29, 23, 59) + std::chrono::seconds(59)), "2024-02-29T23:59:59.000Z");
}

TEST(audit_event, authorization_event_round_trips) {
  principal who = policy_test::user(auth_method::mtls, "svc-backup");
  who.key_id = "k-17";
  who.tenant = "acme";
  who.certificate_subject = "CN=svc-backup,O=Acme";
  policy_test::test_request r;
  r.path = "/admin/backup";
  r.method = "POST";
  r.client_address = "2001:db8::7";
  r.now = utc(2025, 11, 25, 10, 0) + std::chrono::milliseconds(42);
  authorization_decision d = authorization_decision::forbid("denied by rule");
  d.rule_name = "admin";
  d.rule_index = 2;
  d.source = decision_source::rule;

  std::string line;
  append_audit_event(line, make_authorization_audit_event(who, r.attributes(), d, "req-1", "4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(line.find('\n'), std::string::npos);

  temp_dir dir;
  policy_test::write_file(dir.file("a.jsonl"), line + "\n");
  const auto objects = parse_json_lines(dir.file("a.jsonl"));
  ASSERT_EQ(objects.size(), 1u);
  const auto& o = objects[0];
  EXPECT_EQ(o.size(), 18u);
  EXPECT_EQ(o.at("time"), "2025-11-25T10:00:00.042Z");
  EXPECT_EQ(o.at("event"), "authorization");
  EXPECT_EQ(o.at("request_id"), "req-1");
  EXPECT_EQ(o.at("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(o.at("vhost"), "example.com");
  EXPECT_EQ(o.at("tenant"), "acme");
  EXPECT_EQ(o.at("remote"), "2001:db8::7");
  EXPECT_EQ(o.at("method"), "POST");
  EXPECT_EQ(o.at("path"), "/admin/backup");
  EXPECT_EQ(o.at("auth"), "mtls");
  EXPECT_EQ(o.at("subject"), "svc-backup");
  EXPECT_EQ(o.at("key_id"), "k-17");
  EXPECT_EQ(o.at("cert_subject"), "CN=svc-backup,O=Acme");
  EXPECT_EQ(o.at("decision"), "deny");
  EXPECT_EQ(o.at("outcome"), "forbidden");
  EXPECT_EQ(o.at("status"), "403");
  EXPECT_EQ(o.at("rule"), "admin");
  EXPECT_EQ(o.at("reason"), "denied by rule");
}

TEST(audit_event, hostile_bytes_stay_valid_json) {
  // Every byte value in the path, and quotes, backslashes and line breaks in the other fields.
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  const std::string tricky = "\"},{\"decision\":\"allow\"\n\r\\\u2028 \xC3\xA9 \xED\xA0\x80 \xF4\x90\x80\x80";

  authorization_audit_event e;
  e.path = every_byte;
  e.subject = tricky;
  e.method = tricky;
  e.request_id = std::string_view("\0\0", 2);
  e.credentials_rejected = true;
  e.status = 401;
  e.outcome = authorization_outcome::unauthenticated;
  std::string line;
  append_audit_event(line, e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);

  // Also a long one: a 1 MiB path.
  authorization_audit_event long_one;
  std::string long_path(1 << 20, '/');
  long_path[7] = '\x80';
  long_one.path = long_path;
  std::string line2;
  append_audit_event(line2, long_one);

  temp_dir dir;
  policy_test::write_file(dir.file("h.jsonl"), line + "\n" + line2 + "\n");
  const auto objects = parse_json_lines(dir.file("h.jsonl"));
  ASSERT_EQ(objects.size(), 2u);
  // ASCII (controls included) survives exactly; each byte >= 0x80 is invalid UTF-8 alone and
  // becomes U+FFFD.
  std::string expected_path = every_byte.substr(0, 128);
  for (int b = 128; b < 256; ++b) expected_path += "\xEF\xBF\xBD";
  EXPECT_EQ(objects[0].at("path"), expected_path);
  // Valid UTF-8 is kept (é, U+2028); a surrogate and a code point past U+10FFFF are replaced.
  EXPECT_EQ(objects[0].at("subject"),
            "\"},{\"decision\":\"allow\"\n\r\\\u2028 \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD"
            "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(objects[0].at("decision"), "deny");  // the injected member did not become one
  EXPECT_EQ(objects[0].at("request_id"), std::string("\0\0", 2));
  EXPECT_EQ(objects[0].at("auth"), "rejected");
  EXPECT_EQ(objects[0].at("outcome"), "unauthenticated");
  EXPECT_EQ(objects[1].at("path").size(), (1u << 20) - 1 + 3);
}

TEST(audit_event, reload_and_certificate_events) {
  config_reload_audit_event reload;
  reload.time = utc(2025, 11, 25, 12, 0);
  reload.ok = false;
  reload.source = "/etc/ferry/ferry.toml";
  reload.generation = 7;
  reload.summary = "line 3: unknown key \"x\"";
  certificate_audit_event cert;
  cert.time = utc(2025, 11, 25, 12, 1);
  cert.change = "reloaded";
  cert.name = "example.com";
  cert.subject = "CN=example.com";
  cert.issuer = "CN=Example CA";
  cert.serial = "0a1b";
  cert.not_after = "2026-02-23T00:00:00Z";
  const std::string fingerprint = sha256_hex("der");  // the event holds views: keep it alive
  cert.sha256 = fingerprint;

  std::string text;
  append_audit_event(text, reload);
  text += '\n';
  append_audit_event(text, cert);
  text += '\n';
  temp_dir dir;
  policy_test::write_file(dir.file("e.jsonl"), text);
  const auto objects = parse_json_lines(dir.file("e.jsonl"));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].at("event"), "config_reload");
  EXPECT_EQ(objects[0].at("result"), "failed");
  EXPECT_EQ(objects[0].at("source"), "/etc/ferry/ferry.toml");
  EXPECT_EQ(objects[0].at("generation"), "7");
  EXPECT_EQ(objects[0].at("summary"), "line 3: unknown key \"x\"");
  EXPECT_EQ(objects[0].at("time"), "2025-11-25T12:00:00.000Z");
  EXPECT_EQ(objects[1].at("event"), "certificate");
  EXPECT_EQ(objects[1].at("change"), "reloaded");
  EXPECT_EQ(objects[1].at("name"), "example.com");
  EXPECT_EQ(objects[1].at("issuer"), "CN=Example CA");
  EXPECT_EQ(objects[1].at("serial"), "0a1b");
  EXPECT_EQ(objects[1].at("not_after"), "2026-02-23T00:00:00Z");
  EXPECT_EQ(objects[1].at("sha256").size(), 64u);
}

}  // namespace
}  // namespace ferry
