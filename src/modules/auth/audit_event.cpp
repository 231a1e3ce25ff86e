#include "modules/auth/audit_event.hpp"

#include <ctime>

#include "http/text_escape.hpp"

namespace ferry {
namespace {

void append_digits(std::string& out, std::int64_t value, int width) {
  char buffer[24];
  int n = 0;
  // Negate in unsigned arithmetic: -INT64_MIN does not fit in an int64_t.
  std::uint64_t v = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  do {
    buffer[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 20);
  while (n < width) buffer[n++] = '0';
  if (value < 0) out += '-';
  while (n > 0) out += buffer[--n];
}

// Field writers: `first` decides the comma, so each event is a flat list of calls.
class object_writer {
 public:
  explicit object_writer(std::string& out) : out_(out) { out_ += '{'; }
  void text(std::string_view key, std::string_view value) {
    begin(key);
    out_ += '"';
    append_json_escaped(out_, value);
    out_ += '"';
  }
  void number(std::string_view key, std::int64_t value) {
    begin(key);
    append_digits(out_, value, 1);
  }
  void time(std::chrono::system_clock::time_point t) {
    begin("time");
    out_ += '"';
    append_rfc3339_utc_ms(out_, t);
    out_ += '"';
  }
  void end() { out_ += '}'; }

 private:
  void begin(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;  // keys are ours: plain ASCII, no escaping needed
    out_ += "\":";
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_rfc3339_utc_ms(std::string& out, std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::int64_t seconds = ms / 1000;
  std::int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
    out += "0000-01-01T00:00:00.000Z";  // outside what RFC 3339 can spell; never a real clock
    return;
  }
  append_digits(out, tm.tm_year + 1900, 4);
  out += '-';
  append_digits(out, tm.tm_mon + 1, 2);
  out += '-';
  append_digits(out, tm.tm_mday, 2);
  out += 'T';
  append_digits(out, tm.tm_hour, 2);
  out += ':';
  append_digits(out, tm.tm_min, 2);
  out += ':';
  append_digits(out, tm.tm_sec, 2);
  out += '.';
  append_digits(out, millis, 3);
  out += 'Z';
}

authorization_audit_event make_authorization_audit_event(const principal& who, const request_attributes& request,
                                                         const authorization_decision& decision,
                                                         std::string_view request_id, std::string_view trace_id) {
  authorization_audit_event e;
  e.time = request.now;
  e.request_id = request_id;
  e.trace_id = trace_id;
  e.vhost = request.vhost;
  e.tenant = who.tenant;
  e.remote_address = request.client_address;
  e.method = request.method;
  e.path = request.path;
  e.auth = who.method;
  e.credentials_rejected = who.credentials_rejected;
  e.subject = who.subject;
  e.key_id = who.key_id;
  e.certificate_subject = who.certificate_subject;
  e.allowed = decision.allowed;
  e.outcome = decision.outcome;
  e.status = decision.status;
  e.rule = decision.rule_name;
  e.reason = decision.reason;
  return e;
}

void append_audit_event(std::string& out, const authorization_audit_event& e) {
  object_writer w(out);
  w.time(e.time);
  w.text("event", "authorization");
  w.text("request_id", e.request_id);
  w.text("trace_id", e.trace_id);
  w.text("vhost", e.vhost);
  w.text("tenant", e.tenant);
  w.text("remote", e.remote_address);
  w.text("method", e.method);
  w.text("path", e.path);
  w.text("auth", e.auth == auth_method::none && e.credentials_rejected ? "rejected" : auth_method_name(e.auth));
  w.text("subject", e.subject);
  w.text("key_id", e.key_id);
  w.text("cert_subject", e.certificate_subject);
  w.text("decision", e.allowed ? "allow" : "deny");
  w.text("outcome", authorization_outcome_name(e.outcome));
  w.number("status", e.status);
  w.text("rule", e.rule);
  w.text("reason", e.reason);
  w.end();
}

void append_audit_event(std::string& out, const config_reload_audit_event& e) {
  object_writer w(out);
  w.time(e.time);
  w.text("event", "config_reload");
  w.text("result", e.ok ? "ok" : "failed");
  w.text("source", e.source);
  w.number("generation", static_cast<std::int64_t>(e.generation & 0x7fffffffffffffffULL));
  w.text("summary", e.summary);
  w.end();
}

void append_audit_event(std::string& out, const certificate_audit_event& e) {
  object_writer w(out);
  w.time(e.time);
  w.text("event", "certificate");
  w.text("change", e.change);
  w.text("name", e.name);
  w.text("subject", e.subject);
  w.text("issuer", e.issuer);
  w.text("serial", e.serial);
  w.text("not_after", e.not_after);
  w.text("sha256", e.sha256);
  w.end();
}

}  // namespace ferry
