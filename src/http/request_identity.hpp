// Who a request is, for logs and distributed traces: a request id (the client's X-Request-Id
// when well-formed, else a fresh one) and a W3C Trace Context position (the caller's trace id,
// a new span id for ferry's part). Fixed-size storage: no allocation per request.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ferry {

struct request;
class response;

inline constexpr std::size_t max_request_id_length = 128;

// The arrays are left unfilled: only what id_length and `traced` cover is ever read, and an
// identity is made with every HTTP/2 stream (zero-filling 176 bytes there showed in profiles).
struct request_identity {
  std::array<char, max_request_id_length> id_storage;
  std::uint8_t id_length = 0;
  bool traced = false;              // trace_id/span_id/flags are set
  std::array<char, 32> trace_id;    // lower-case hex, never all zeros
  std::array<char, 16> span_id;     // ferry's span: new per request
  std::uint8_t trace_flags = 0;

  std::string_view id() const { return {id_storage.data(), id_length}; }
  std::string_view trace() const { return traced ? std::string_view(trace_id.data(), trace_id.size()) : ""; }
  std::string_view span() const { return traced ? std::string_view(span_id.data(), span_id.size()) : ""; }
  void clear() {
    id_length = 0;
    traced = false;
  }
};

// 1 to 128 characters of [A-Za-z0-9._:@+/=-]: enough for UUIDs, ULIDs and base64 ids, and
// nothing that could break a header or a log line.
bool well_formed_request_id(std::string_view value);

// A `traceparent` header (W3C Trace Context level 1): version 00 exactly as specified, later
// versions by their version-00 prefix; version ff, upper-case hex and all-zero ids are invalid.
// On success fills the trace id and flags.
bool parse_traceparent(std::string_view value, std::array<char, 32>& trace_id, std::uint8_t& flags);

// Random ids from a per-worker generator (xoshiro256**, seeded from the OS). Not a secret:
// ids only have to be unique, and hard to guess is a bonus.
class id_generator {
 public:
  id_generator();
  // Writes `length` random lower-case hex characters; never all zeros.
  void fill_hex(char* out, std::size_t length);

 private:
  std::uint64_t next();
  std::array<std::uint64_t, 4> state_{};
};

struct request_identity_options {
  std::string_view header;  // "X-Request-Id"; "" = no request id at all
  bool accept_incoming = true;
  bool trace_context = true;
};

// Fills `out` for `req`: the incoming id when accepted and well-formed, else a random one; the
// incoming traceparent's trace (or a new trace) with a new span.
void assign_request_identity(const request& req, const request_identity_options& options, id_generator& ids,
                             request_identity& out);
// Adds the request id header and `traceparent` (version 00, ferry's span as the parent).
void add_request_identity_headers(const request_identity& identity, const request_identity_options& options,
                                  response& out);

}  // namespace ferry
