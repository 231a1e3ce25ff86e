// The request head nearly every client sends, read without llhttp: GET or HEAD, an origin-form
// target of plain URI characters, HTTP/1.1 or HTTP/1.0, and header fields with token names and
// values free of control bytes, none of them about framing or expectations (a Connection field
// only with one option, keep-alive or close), all of it already in the buffer. llhttp walks such a head byte by byte through a state machine and
// a callback per element; this reads it in one pass of table lookups and a memchr per line.
//
// It only ever accepts: anything it does not recognise (another method, a Content-Length, an
// obs-fold, a byte outside its sets, a head not yet complete, a limit reached) is left to llhttp,
// which reads every form and refuses what must be refused. Both readers fill the request alike
// (a unit test compares them on every byte in every position; the parser fuzz target compares
// them on arbitrary input).
#pragma once

#include <cstddef>

#include "http/http1_parser.hpp"
#include "http/request.hpp"

namespace ferry {

// Reads a simple head at the start of [data, data+length) into `out` (cleared beforehand) and
// returns its size in bytes, the final CRLF included; 0 when the head is not simple or not
// complete. `host_fields` counts the Host fields seen. The request-target is not split and the
// Host value not checked: the caller does what it does for every head.
std::size_t read_simple_head(const char* data, std::size_t length, const http1_limits& limits, request& out,
                             std::size_t& host_fields);

}  // namespace ferry
