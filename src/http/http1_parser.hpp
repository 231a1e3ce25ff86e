// HTTP/1.1 request parser: bytes in, a request and a status out. No I/O; llhttp stays inside
// http1_parser.cpp. The caller keeps the bytes of the current message's head in one stable
// buffer (the views in request() point into it) and feeds each new read as it arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "http/request.hpp"

namespace ferry {

struct http1_limits {
  std::size_t max_head = 8192;
  std::size_t max_header_count = 64;
  std::size_t max_uri_length = 4096;
  std::uint64_t max_body = 1 << 20;
};

enum class parse_state {
  incomplete,  // all input consumed, message not complete yet
  complete,    // one whole message (head and body) parsed; `consumed` bytes belong to it
  error,       // refuse with `error_status`; framing is in doubt: close after answering
};

struct parse_result {
  parse_state state = parse_state::incomplete;
  std::size_t consumed = 0;
  int error_status = 0;          // 400, 413, 414, 431, 501, 505
  std::string_view error_reason;  // for the debug log, never sent to the client
};

class http1_parser {
 public:
  explicit http1_parser(const http1_limits& limits);
  ~http1_parser();
  http1_parser(const http1_parser&) = delete;
  http1_parser& operator=(const http1_parser&) = delete;

  void set_limits(const http1_limits& limits);

  // Parses the next bytes of the stream. Stops after one complete message.
  parse_result execute(const char* data, std::size_t length);

  // The message being parsed (valid after `complete`; partially filled before).
  const request& current() const;

  // True once the head of the current message is complete (the body may still be arriving).
  bool head_complete() const;
  // True once any byte of the current message has been seen.
  bool message_started() const;
  // Bytes of the current message's head seen so far (whole head once complete).
  std::size_t head_size() const;

  // Prepares for the next message on the same connection (after `complete`).
  void next_message();

 private:
  parse_result decide_invalid_method(const char* data, std::size_t length);

  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace ferry
