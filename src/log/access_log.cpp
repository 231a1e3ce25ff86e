#include "log/access_log.hpp"

#include <cerrno>
#include <charconv>
#include <ctime>
#include <system_error>

#include "http/text_escape.hpp"
#include "http/utc_time.hpp"
#include "platform/file_io.hpp"

namespace ferry {

namespace {

constexpr std::size_t flush_threshold = 32 * 1024;

void append_number(std::string& out, std::uint64_t value) {
  char buf[21];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_hex_byte(std::string& out, unsigned char c) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back(digits[c >> 4]);
  out.push_back(digits[c & 15]);
}

// Combined format: quotes, backslashes and non-printable bytes as \xHH (as nginx does), so a
// request cannot forge a log line.
void append_escaped_combined(std::string& out, std::string_view text) {
  if (text.empty()) {
    out.push_back('-');
    return;
  }
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out.append("\\x");
      append_hex_byte(out, c);
    } else {
      out.push_back(ch);
    }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  append_json_escaped(out, text);
  out.push_back('"');
}

// ,"name":"value" — only for fields that apply to this request.
void append_json_field_if_set(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out.append(",\"");
  out.append(name);
  out.append("\":");
  append_json_string(out, value);
}

}  // namespace

namespace {

// The line's timestamp in both formats, formatted at most once per second per thread.
struct timestamp_cache {
  std::time_t second = -1;
  char combined[40] = {};
  std::size_t combined_length = 0;
  char iso[40] = {};
  std::size_t iso_length = 0;

  void refresh() {
    const std::time_t now = std::time(nullptr);
    if (now == second) return;
    second = now;
    std::tm tm{};
    to_utc(now, tm);
    combined_length = std::strftime(combined, sizeof combined, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    iso_length = std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
};

}  // namespace

void format_access_line(const access_record& r, access_log_format format, std::string& out) {
  thread_local timestamp_cache when;
  when.refresh();
  if (format == access_log_format::combined) {
    out.append(r.remote_address);
    out.append(" - ");
    // The user field, as Apache's %u: "-" when anonymous.
    if (r.user.empty()) {
      out.push_back('-');
    } else {
      append_escaped_combined(out, r.user);
    }
    out.append(" [");
    out.append(when.combined, when.combined_length);
    out.append("] \"");
    append_escaped_combined(out, r.method);
    out.push_back(' ');
    append_escaped_combined(out, r.target);
    out.push_back(' ');
    out.append(r.protocol);
    out.append("\" ");
    append_number(out, static_cast<std::uint64_t>(r.status));
    out.push_back(' ');
    append_number(out, r.bytes);
    out.append(" \"");
    append_escaped_combined(out, r.referer);
    out.append("\" \"");
    append_escaped_combined(out, r.user_agent);
    out.append("\"\n");
    return;
  }
  out.append("{\"time\":\"");
  out.append(when.iso, when.iso_length);
  out.append("\",\"remote\":");
  append_json_string(out, r.remote_address);
  out.append(",\"method\":");
  append_json_string(out, r.method);
  out.append(",\"target\":");
  append_json_string(out, r.target);
  out.append(",\"protocol\":");
  append_json_string(out, r.protocol);
  out.append(",\"status\":");
  append_number(out, static_cast<std::uint64_t>(r.status));
  out.append(",\"bytes\":");
  append_number(out, r.bytes);
  out.append(",\"duration_ms\":");
  const auto us = static_cast<std::uint64_t>(r.duration.count());
  append_number(out, us / 1000);
  out.push_back('.');
  const auto frac = us % 1000;
  if (frac < 100) out.push_back('0');
  if (frac < 10) out.push_back('0');
  append_number(out, frac);
  out.append(",\"user_agent\":");
  append_json_string(out, r.user_agent);
  out.append(",\"referer\":");
  append_json_string(out, r.referer);
  out.append(",\"host\":");
  append_json_string(out, r.host);
  append_json_field_if_set(out, "vhost", r.vhost);
  append_json_field_if_set(out, "user", r.user);
  append_json_field_if_set(out, "request_id", r.request_id);
  append_json_field_if_set(out, "trace_id", r.trace_id);
  append_json_field_if_set(out, "span_id", r.span_id);
  append_json_field_if_set(out, "tls_version", r.tls_version);
  append_json_field_if_set(out, "tls_cipher", r.tls_cipher);
  out.append("}\n");
}

std::shared_ptr<access_log_target> access_log_target::open(const logging_config& cfg) {
  const auto& where = cfg.access_log;
  if (where.empty() || where == "off") return nullptr;
  if (where == "stdout" || where == "stderr") {
    const int fd = where == "stdout" ? 1 : 2;
    platform::use_binary_mode(fd);
    return std::shared_ptr<access_log_target>(new access_log_target(fd, false, cfg.access_format));
  }
  const int fd = platform::open_for_append(where);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open access log " + where);
  return std::shared_ptr<access_log_target>(new access_log_target(fd, true, cfg.access_format));
}

access_log_target::access_log_target(int fd, bool owned, access_log_format format)
    : fd_(fd), owned_(owned), format_(format) {}

access_log_target::~access_log_target() {
  if (owned_) platform::close_file(fd_);
}

void access_log_target::write(std::string_view bytes) const {
  while (!bytes.empty()) {
    const auto n = platform::write_some(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not take the server down; lines are lost
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void access_log_buffer::set_target(std::shared_ptr<access_log_target> target) {
  flush();
  target_ = std::move(target);
}

void access_log_buffer::append(const access_record& record) {
  if (!target_) return;
  format_access_line(record, target_->format(), buffer_);
  if (buffer_.size() >= flush_threshold) flush();
}

void access_log_buffer::flush() {
  if (target_ && !buffer_.empty()) target_->write(buffer_);
  buffer_.clear();
}

}  // namespace ferry
