#include "http/h1_serializer.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include "http/short_bytes.hpp"
#include "http/status.hpp"

namespace ferry {

namespace {

// Writes into room made beforehand: a head is some forty pieces, and appending them one by one
// to a string cost a capacity check and a call each; most are short enough to copy inline.
struct head_writer {
  char* at;
  void put(std::string_view text) { at = short_bytes::copy(at, text); }
  void put(char c) { *at++ = c; }
  template <typename Number>
  void number(Number value) {
    at = std::to_chars(at, at + 20, value).ptr;
  }
};

}  // namespace

void serialize_h1_head(const response& r, const h1_head_options& options, std::string& out) {
  constexpr std::string_view date_name = "Date: ";
  constexpr std::string_view server_name = "Server: ";
  constexpr std::string_view chunked = "Transfer-Encoding: chunked\r\n";
  constexpr std::string_view length_name = "Content-Length: ";
  constexpr std::string_view close = "Connection: close\r\n";
  constexpr std::string_view keep_alive = "Connection: keep-alive\r\n";
  const std::string_view reason = reason_phrase(r.status);
  // Room for the longest head these fields make (numbers at 20 digits).
  std::string_view lines;
  const bool whole_lines = r.field_lines(lines);
  std::size_t room = 9 + 20 + 1 + reason.size() + 2;
  if (whole_lines) {
    room += lines.size();
  } else {
    for (const auto& f : r.fields()) room += f.name.size() + 2 + f.value.size() + 2;
  }
  room += date_name.size() + options.date.size() + 2 + server_name.size() + options.server.size() + 2;
  room += std::max(chunked.size(), length_name.size() + 20 + 2) + keep_alive.size() + 2;
  const std::size_t start = out.size();
  out.resize(start + room);
  head_writer w{out.data() + start};

  w.put("HTTP/1.1 ");
  w.number(r.status);
  w.put(' ');
  w.put(reason);
  w.put("\r\n");
  if (whole_lines) {
    if (!lines.empty()) std::memcpy(w.at, lines.data(), lines.size());
    w.at += lines.size();
  } else {
    for (const auto& f : r.fields()) {
      w.put(f.name);
      w.put(": ");
      w.put(f.value);
      w.put("\r\n");
    }
  }
  w.put(date_name);
  w.put(options.date);
  w.put("\r\n");
  if (!options.server.empty()) {
    w.put(server_name);
    w.put(options.server);
    w.put("\r\n");
  }
  if (!status_has_no_content(r.status)) {
    if (options.chunked) {
      w.put(chunked);
    } else {
      w.put(length_name);
      w.number(r.content_length());
      w.put("\r\n");
    }
  }
  if (!options.keep_alive) {
    w.put(close);
  } else if (options.version_minor == 0) {
    w.put(keep_alive);
  }
  w.put("\r\n");
  out.resize(static_cast<std::size_t>(w.at - out.data()));
}

void append_chunk_header(std::string& out, std::size_t length) {
  char number[20];
  const auto res = std::to_chars(number, number + sizeof number, length, 16);
  out.append(number, res.ptr);
  out.append("\r\n");
}

}  // namespace ferry
