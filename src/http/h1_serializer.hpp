// Writes an HTTP/1.1 response head: status line, the response's fields, then the fields every
// response carries (Date, Server, framing, Connection).
#pragma once

#include <string>
#include <string_view>

#include "http/response.hpp"

namespace ferry {

struct h1_head_options {
  int version_minor = 1;       // of the request: 0 → HTTP/1.0 keep-alive rules
  bool keep_alive = true;      // the connection stays open after this response
  bool chunked = false;        // body length unknown: Transfer-Encoding: chunked
  std::string_view date;       // IMF-fixdate
  std::string_view server;     // "" omits Server
};

void serialize_h1_head(const response& r, const h1_head_options& options, std::string& out);

// Chunked framing for one chunk of `length` bytes: "<hex>\r\n" before, "\r\n" after.
void append_chunk_header(std::string& out, std::size_t length);
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace ferry
