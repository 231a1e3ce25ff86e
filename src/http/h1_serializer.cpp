#include "http/h1_serializer.hpp"

#include <charconv>

#include "http/status.hpp"

namespace ferry {

void serialize_h1_head(const response& r, const h1_head_options& options, std::string& out) {
  char number[24];
  out.append("HTTP/1.1 ");
  auto res = std::to_chars(number, number + sizeof number, r.status);
  out.append(number, res.ptr);
  out.push_back(' ');
  out.append(reason_phrase(r.status));
  out.append("\r\n");
  for (const auto& f : r.fields()) {
    out.append(f.name);
    out.append(": ");
    out.append(f.value);
    out.append("\r\n");
  }
  out.append("Date: ");
  out.append(options.date);
  out.append("\r\n");
  if (!options.server.empty()) {
    out.append("Server: ");
    out.append(options.server);
    out.append("\r\n");
  }
  if (!status_has_no_content(r.status)) {
    if (options.chunked) {
      out.append("Transfer-Encoding: chunked\r\n");
    } else {
      out.append("Content-Length: ");
      res = std::to_chars(number, number + sizeof number, r.content_length());
      out.append(number, res.ptr);
      out.append("\r\n");
    }
  }
  if (!options.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (options.version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void append_chunk_header(std::string& out, std::size_t length) {
  char number[20];
  const auto res = std::to_chars(number, number + sizeof number, length, 16);
  out.append(number, res.ptr);
  out.append("\r\n");
}

}  // namespace ferry
