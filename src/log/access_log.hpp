// Access log: one line per response, combined (Apache) or JSON. Each worker appends to its
// own buffer and writes it out in batches (when it passes 32 KiB, on a periodic flush and at
// shutdown), so the request path never blocks on the log file. Lines are never split
// across writes, and O_APPEND keeps whole lines intact between workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ferry {

struct access_record {
  std::string_view remote_address;
  std::string_view method;
  std::string_view target;
  std::string_view protocol;  // "HTTP/1.1"
  int status = 0;
  std::uint64_t bytes = 0;     // body bytes sent
  std::chrono::microseconds duration{0};
  std::string_view user_agent;
  std::string_view referer;
  // JSON only (the combined format stays what log tools expect):
  std::string_view host;         // the request's authority (Host, :authority or absolute-form)
  std::string_view vhost;        // the [[vhosts]] entry that served it; "" for the default host
  std::string_view user;         // the authenticated principal ("" = anonymous); combined: %u
  std::string_view request_id;   // "" when request ids are off
  std::string_view trace_id;     // W3C trace context; "" when off
  std::string_view span_id;
  std::string_view tls_version;  // "" in the clear
  std::string_view tls_cipher;
};

// The destination: a file descriptor opened once per configuration.
class access_log_target {
 public:
  // Null when the log is off. Throws std::system_error when the file cannot be opened.
  static std::shared_ptr<access_log_target> open(const logging_config& cfg);
  ~access_log_target();
  access_log_target(const access_log_target&) = delete;
  access_log_target& operator=(const access_log_target&) = delete;

  access_log_format format() const { return format_; }
  void write(std::string_view bytes) const;

 private:
  access_log_target(int fd, bool owned, access_log_format format);
  int fd_;
  bool owned_;
  access_log_format format_;
};

class access_log_buffer {
 public:
  // Switches to a new target (after a reload), flushing what was buffered for the old one.
  void set_target(std::shared_ptr<access_log_target> target);
  bool enabled() const { return target_ != nullptr; }
  void append(const access_record& record);
  void flush();

 private:
  std::shared_ptr<access_log_target> target_;
  std::string buffer_;
};

// Formats one line (with its trailing newline) into `out`; exposed for tests.
void format_access_line(const access_record& record, access_log_format format, std::string& out);

}  // namespace ferry
