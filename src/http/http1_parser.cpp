// The only file that includes <llhttp.h>. llhttp runs in strict mode; this wrapper adds the
// checks llhttp leaves to the application: limits, Host rules, request-target forms, control
// bytes in field values, and the method/version distinctions behind 501 and 505.
#include "http/http1_parser.hpp"

#include <llhttp.h>

#include "http/authority.hpp"
#include "http/char_classes.hpp"
#include "http/field_bytes.hpp"
#include "http/http1_simple_head.hpp"

namespace ferry {

namespace {

using char_class::is_tchar;
using char_class::is_token;
using char_class::trim_ows;

// Extends `view` with [at, at+length). The caller keeps the head in one buffer, so the pieces
// of one element are adjacent; a gap means llhttp skipped bytes inside it (an obs-fold line
// break), which the caller refuses. Returns false on a gap.
bool append_span(std::string_view& view, const char* at, std::size_t length) {
  if (view.data() == nullptr) {
    view = std::string_view(at, length);
    return true;
  }
  if (view.data() + view.size() != at) return false;
  view = std::string_view(view.data(), view.size() + length);
  return true;
}

// Transfer-Encoding: only "chunked", once, last (RFC 9112 §6.1). 400 when chunked is not the
// final coding (the length cannot be known), 501 for codings we do not implement.
int check_transfer_encoding(std::string_view value) {
  bool chunked_seen = false;
  bool other_seen = false;
  bool last_is_chunked = false;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = value.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? value.size() : comma;
    std::string_view coding = trim_ows(value.substr(start, end - start));
    const std::size_t params = coding.find(';');
    if (params != std::string_view::npos) coding = trim_ows(coding.substr(0, params));
    if (!coding.empty()) {
      if (iequals(coding, "chunked")) {
        if (chunked_seen) return 400;
        chunked_seen = true;
        last_is_chunked = true;
      } else {
        other_seen = true;
        last_is_chunked = false;
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (!last_is_chunked) return 400;
  return other_seen ? 501 : 0;
}

}  // namespace

struct http1_parser::state {
  llhttp_t parser{};
  llhttp_settings_t settings{};
  http1_limits limits;
  request req;
  const char* message_start = nullptr;  // first byte fed for this message
  const char* last_byte = nullptr;      // end of the latest span seen in the head
  std::size_t head_bytes = 0;
  bool started = false;
  bool head_done = false;
  bool method_pending = false;  // llhttp refused the method; deciding 400 or 501
  bool in_field = false;
  bool llhttp_used = true;  // llhttp has read bytes since it was last initialised
  std::size_t host_count = 0;
  std::uint64_t body_bytes = 0;
  header_view field;
  int user_status = 0;
  const char* user_reason = nullptr;

  int fail(int status, const char* reason) {
    user_status = status;
    user_reason = reason;
    return HPE_USER;
  }

  void reset() {
    if (llhttp_used) {
      llhttp_init(&parser, HTTP_REQUEST, &settings);
      parser.data = this;
      llhttp_used = false;
    }
    req.clear();
    message_start = nullptr;
    last_byte = nullptr;
    head_bytes = 0;
    started = head_done = in_field = method_pending = false;
    host_count = 0;
    body_bytes = 0;
    field = {};
    user_status = 0;
    user_reason = nullptr;
  }

  static state& of(llhttp_t* p) { return *static_cast<state*>(p->data); }

  void mark(const char* at, std::size_t length) {
    started = true;
    last_byte = at + length;
  }

  static int on_method(llhttp_t* p, const char* at, std::size_t length) {
    auto& s = of(p);
    s.mark(at, length);
    if (!append_span(s.req.method_name, at, length)) return s.fail(400, "split method");
    return 0;
  }

  static int on_method_complete(llhttp_t* p) {
    auto& s = of(p);
    switch (llhttp_get_method(p)) {
      case HTTP_GET: s.req.method = http_method::get; break;
      case HTTP_HEAD: s.req.method = http_method::head; break;
      case HTTP_OPTIONS: s.req.method = http_method::options; break;
      case HTTP_CONNECT: s.req.method = http_method::connect; break;
      default: s.req.method = http_method::other_known; break;
    }
    return 0;
  }

  static int on_url(llhttp_t* p, const char* at, std::size_t length) {
    auto& s = of(p);
    s.mark(at, length);
    if (!append_span(s.req.target, at, length)) return s.fail(400, "split target");
    if (s.req.target.size() > s.limits.max_uri_length) return s.fail(414, "request target too long");
    return 0;
  }

  static int on_version_complete(llhttp_t* p) {
    auto& s = of(p);
    s.req.version_major = llhttp_get_http_major(p);
    s.req.version_minor = llhttp_get_http_minor(p);
    if (s.req.version_major != 1) return s.fail(505, "unsupported HTTP version");
    return 0;
  }

  static int on_header_field(llhttp_t* p, const char* at, std::size_t length) {
    auto& s = of(p);
    s.mark(at, length);
    if (s.head_done) return 0;  // trailer fields of a chunked body are read and ignored
    if (!s.in_field) {
      s.in_field = true;
      s.field = {};
      if (s.req.headers().size() >= s.limits.max_header_count) return s.fail(431, "too many header fields");
    }
    if (!append_span(s.field.name, at, length)) return s.fail(400, "split field name");
    return 0;
  }

  static int on_header_field_complete(llhttp_t* p) {
    auto& s = of(p);
    s.in_field = false;
    if (s.head_done) return 0;
    // The name must be a token immediately followed by ':' (no whitespace before the colon:
    // RFC 9112 §5.1 requires a 400, since proxies disagree on what such a name means).
    const auto& name = s.field.name;
    if (!is_token(name)) return s.fail(400, "invalid field name");
    if (name.data()[name.size()] != ':') return s.fail(400, "whitespace before colon");
    return 0;
  }

  static int on_header_value(llhttp_t* p, const char* at, std::size_t length) {
    auto& s = of(p);
    s.mark(at, length);
    if (s.head_done) return 0;
    // CR/LF here means obs-fold; other controls and NUL are never valid in a field value.
    if (!free_of_controls(std::string_view(at, length))) return s.fail(400, "control byte in field value");
    if (s.field.value.data() == nullptr && length > 0) {
      // Only whitespace may stand between the colon and the value; a line break there is an
      // obs-fold that llhttp would join (e.g. "Transfer-Encoding:\r\n chunked").
      for (const char* c = s.field.name.data() + s.field.name.size() + 1; c < at; ++c) {
        if (*c == '\r' || *c == '\n') return s.fail(400, "obs-fold in field value");
      }
    }
    if (!append_span(s.field.value, at, length)) return s.fail(400, "obs-fold in field value");
    return 0;
  }

  static int on_header_value_complete(llhttp_t* p) {
    auto& s = of(p);
    if (s.head_done) return 0;
    if (s.field.value.data() == nullptr) s.field.value = std::string_view(s.field.name.data(), 0);
    s.field.value = trim_ows(s.field.value);
    if (iequals(s.field.name, "host")) ++s.host_count;
    s.req.add_header(s.field.name, s.field.value);
    s.field = {};
    return 0;
  }

  static int on_headers_complete(llhttp_t* p) {
    auto& s = of(p);
    if (s.in_field) return s.fail(400, "header field without value");
    s.head_done = true;
    s.head_bytes = static_cast<std::size_t>(s.last_byte - s.message_start) + 4;
    if (s.head_bytes > s.limits.max_head) return s.fail(431, "request head too large");
    request& r = s.req;
    if (r.method == http_method::connect) return s.fail(405, "CONNECT");
    if (const int refused = s.check_host_and_target(); refused != 0) return refused;
    bool has_te = false;
    const auto te = r.header("transfer-encoding", &has_te);
    if (has_te) {
      const int te_status = check_transfer_encoding(te);
      if (te_status != 0) return s.fail(te_status, "unsupported Transfer-Encoding");
    }
    bool has_expect = false;
    const auto expect = r.header("expect", &has_expect);
    if (has_expect && r.version_minor >= 1) {
      // RFC 9110 §10.1.1: 100-continue is the only expectation; HTTP/1.0 ones are ignored.
      if (!iequals(expect, "100-continue")) return s.fail(417, "unsupported expectation");
      r.expect_continue = (p->flags & F_CHUNKED) != 0 || p->content_length > 0;
    }
    r.keep_alive = llhttp_should_keep_alive(p) != 0;
    r.chunked = (p->flags & F_CHUNKED) != 0;
    if ((p->flags & F_CONTENT_LENGTH) != 0) {
      r.content_length = p->content_length;
      if (r.content_length > s.limits.max_body) return s.fail(413, "Content-Length over limit");
    }
    return 0;
  }

  // The Host field count, the request-target's form and the Host value: the same checks for a
  // head either reader read. HPE_USER (with user_status set) when the head must be refused.
  int check_host_and_target() {
    request& r = req;
    if (host_count > 1) return fail(400, "more than one Host");
    if (r.version_minor >= 1 && host_count == 0) return fail(400, "HTTP/1.1 request without Host");
    const int target_status = split_request_target(r);
    if (target_status != 0) return fail(target_status, "invalid request target");
    if (host_count == 1) {
      const auto host = r.header("host");
      if (!is_valid_authority(host)) return fail(400, "invalid Host");
      if (!r.absolute_form) r.authority = host;
    }
    return 0;
  }

  // A whole simple head at the start of `data` (see http1_simple_head.hpp), read and checked:
  // its size, or 0 with the request left empty for llhttp to read from the first byte, which
  // also answers any refusal exactly as it would have without this shortcut.
  std::size_t read_simple(const char* data, std::size_t length) {
    const std::size_t size = read_simple_head(data, length, limits, req, host_count);
    if (size != 0 && check_host_and_target() == 0) {
      started = head_done = true;
      head_bytes = size;
      return size;
    }
    req.clear();
    host_count = 0;
    user_status = 0;
    user_reason = nullptr;
    return 0;
  }

  static int on_body(llhttp_t* p, const char*, std::size_t length) {
    auto& s = of(p);
    s.body_bytes += length;
    if (s.body_bytes > s.limits.max_body) return s.fail(413, "body over limit");
    return 0;
  }

  // A chunk-size line announcing more than the body limit is refused before its data arrives.
  static int on_chunk_header(llhttp_t* p) {
    auto& s = of(p);
    if (p->content_length > s.limits.max_body - std::min(s.limits.max_body, s.body_bytes)) {
      return s.fail(413, "chunk over body limit");
    }
    return 0;
  }

  static int on_message_complete(llhttp_t* p) {
    (void)p;
    return HPE_PAUSED;
  }

  // A request-target in origin-form, absolute-form (http/https), or "*" for OPTIONS (RFC 9112 §3.2).
  static int split_request_target(request& r) {
    std::string_view t = r.target;
    if (t.empty()) return 400;
    if (t.find('#') != std::string_view::npos) return 400;
    if (t == "*") {
      if (r.method != http_method::options) return 400;
      r.path = t;
      return 0;
    }
    if (t.front() != '/') {
      std::size_t scheme_end = t.find("://");
      if (scheme_end == std::string_view::npos) return 400;
      const auto scheme = t.substr(0, scheme_end);
      if (!iequals(scheme, "http") && !iequals(scheme, "https")) return 400;
      t.remove_prefix(scheme_end + 3);
      const std::size_t authority_end = t.find_first_of("/?");
      const auto authority = t.substr(0, authority_end);
      if (authority.empty() || !is_valid_authority(authority)) return 400;
      r.authority = authority;
      r.absolute_form = true;
      t = authority_end == std::string_view::npos ? std::string_view{} : t.substr(authority_end);
      if (t.empty() || t.front() == '?') {
        r.path = "/";
        if (!t.empty()) {
          r.has_query = true;
          r.query = t.substr(1);
        }
        return 0;
      }
    }
    const std::size_t q = t.find('?');
    r.path = t.substr(0, q);
    if (q != std::string_view::npos) {
      r.has_query = true;
      r.query = t.substr(q + 1);
    }
    return 0;
  }
};

http1_parser::http1_parser(const http1_limits& limits) : state_(std::make_unique<state>()) {
  auto& s = *state_;
  s.limits = limits;
  llhttp_settings_init(&s.settings);
  s.settings.on_method = &state::on_method;
  s.settings.on_method_complete = &state::on_method_complete;
  s.settings.on_url = &state::on_url;
  s.settings.on_version_complete = &state::on_version_complete;
  s.settings.on_header_field = &state::on_header_field;
  s.settings.on_header_field_complete = &state::on_header_field_complete;
  s.settings.on_header_value = &state::on_header_value;
  s.settings.on_header_value_complete = &state::on_header_value_complete;
  s.settings.on_headers_complete = &state::on_headers_complete;
  s.settings.on_body = &state::on_body;
  s.settings.on_chunk_header = &state::on_chunk_header;
  s.settings.on_message_complete = &state::on_message_complete;
  s.req.reserve_headers(16);
  s.reset();
}

http1_parser::~http1_parser() = default;

void http1_parser::set_limits(const http1_limits& limits) { state_->limits = limits; }

const request& http1_parser::current() const { return state_->req; }
bool http1_parser::head_complete() const { return state_->head_done; }
bool http1_parser::message_started() const { return state_->started; }
std::size_t http1_parser::head_size() const { return state_->head_bytes; }

void http1_parser::next_message() { state_->reset(); }


namespace {

// llhttp rejects an unknown method without telling whether it was a well-formed token: a
// token followed by a space is a method we do not implement (501), anything else is garbage
// (400). 0 while the bytes so far are all token characters: the answer needs more input.
int status_for_invalid_method(const char* start, const char* end) {
  const char* p = start;
  while (p < end && (*p == '\r' || *p == '\n')) ++p;
  const char* token = p;
  while (p < end && is_tchar(*p)) ++p;
  if (p == end) return 0;
  return (p > token && *p == ' ') ? 501 : 400;
}

// "HTTP/3", "HTTP/1.2" … in the request line: a version we do not speak (505), not garbage.
// Only the bytes up to where llhttp stopped are considered, so the answer does not depend on
// how the input was split.
bool names_other_http_version(const char* start, const char* error_at) {
  const std::string_view seen(start, static_cast<std::size_t>(error_at - start));
  const auto at = seen.rfind(" HTTP/");
  if (at == std::string_view::npos) return false;
  const std::string_view version = seen.substr(at + 6);
  if (version.empty() || version.find_first_of("\r\n ") != std::string_view::npos) return false;
  const char major = version[0];
  if (major >= '2' && major <= '9') return true;
  return major == '1' && version.size() >= 3 && version[1] == '.' && version[2] >= '2' && version[2] <= '9';
}

}  // namespace

parse_result http1_parser::decide_invalid_method(const char* data, std::size_t length) {
  auto& s = *state_;
  parse_result result;
  result.consumed = length;
  result.error_status = status_for_invalid_method(s.message_start, data + length);
  if (result.error_status == 0) {
    // Still a token: wait for the byte after it, within the head limit.
    if (static_cast<std::size_t>(data + length - s.message_start) <= s.limits.max_head) return result;
    result.error_status = 431;
  }
  result.state = parse_state::error;
  result.error_reason = "unknown method";
  return result;
}

parse_result http1_parser::execute(const char* data, std::size_t length) {
  auto& s = *state_;
  if (!s.started && s.message_start == nullptr) s.message_start = data;
  parse_result result;
  if (s.method_pending) return decide_invalid_method(data, length);
  if (!s.started) {
    // A whole head and no body: the message ends with its head.
    result.consumed = s.read_simple(data, length);
    if (result.consumed != 0) {
      result.state = parse_state::complete;
      return result;
    }
  }
  s.llhttp_used = true;
  const llhttp_errno_t err = llhttp_execute(&s.parser, data, length);
  if (err == HPE_OK) {
    result.consumed = length;
    if (!s.head_done && s.started &&
        static_cast<std::size_t>(data + length - s.message_start) > s.limits.max_head) {
      result.state = parse_state::error;
      result.error_status = 431;
      result.error_reason = "request head too large";
      return result;
    }
    result.state = parse_state::incomplete;
    return result;
  }
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    // Paused by on_message_complete. An Upgrade request is answered as plain HTTP/1.1.
    result.state = parse_state::complete;
    result.consumed = static_cast<std::size_t>(llhttp_get_error_pos(&s.parser) - data);
    return result;
  }
  result.state = parse_state::error;
  result.consumed = length;
  if (s.user_status != 0) {
    result.error_status = s.user_status;
    result.error_reason = s.user_reason;
    return result;
  }
  result.error_reason = llhttp_get_error_reason(&s.parser);
  result.error_status = 400;
  if (err == HPE_INVALID_METHOD && s.message_start != nullptr) {
    s.method_pending = true;
    return decide_invalid_method(data, length);
  }
  if (err == HPE_INVALID_VERSION && s.message_start != nullptr &&
      names_other_http_version(s.message_start, llhttp_get_error_pos(&s.parser))) {
    result.error_status = 505;
  }
  return result;
}

}  // namespace ferry
