// One HTTP/2 request stream on the server: the decoded header block as the session received
// it, the request built from it (its views point into this object, which never moves and
// never reallocates its storage once the request is built), and the response's progress.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "modules/http2_protocol.hpp"
#include "modules/output_buffer.hpp"

namespace ferry {

// What is wrong with a complete request head, in the order the checks apply.
enum class head_problem : std::uint8_t {
  none,
  too_large,         // decoded size or field count over the limits: 431
  uri_too_long,      // :path over max_uri_length: 414
  authority_differs, // Host names another authority than :authority: malformed, stream reset
};

class stream_state {
 public:
  stream_state(std::int32_t id, const http2_limits& limits);
  stream_state(const stream_state&) = delete;
  stream_state& operator=(const stream_state&) = delete;

  std::int32_t id() const { return id_; }
  // Made new for stream `id` under `limits`, keeping the room its buffers grew to (closed
  // streams' states are reused instead of allocated per request).
  void reset(std::int32_t id, const http2_limits& limits);
  // Heap bytes the buffers hold: what keeping this state for reuse would keep.
  std::size_t retained_bytes() const {
    return arena_.capacity() + fields_.capacity() * sizeof(field_entry) + cookie_.capacity();
  }

  // One decoded field of the request head (request_head_check has passed it). Fields past a limit are
  // counted but not stored. False: the head is so far over the limits that decoding it
  // further is wasted work (the caller resets the stream instead of answering 431).
  bool add_field(std::string_view name, std::string_view value);
  // Trailer fields are not kept; they count against the same limits. False as for add_field.
  bool add_trailer_field(std::string_view name, std::string_view value);
  // Builds the request from the fields (once); what is wrong with it, if anything.
  head_problem finish_head();
  const request& req() const { return request_; }

  // Request body bytes (discarded); true while within max_body_size.
  bool add_body_bytes(std::size_t count);
  std::uint64_t body_received() const { return body_received_; }
  std::uint64_t max_body_size() const { return max_body_size_; }

  // The request's progress on the session.
  bool head_done = false;         // finish_head() was called
  bool delivered = false;         // on_request was called
  bool responded = false;         // a response was submitted (by the core or the session)
  bool answered_by_session = false;
  bool response_complete = false; // the response's last frame was sent
  bool remote_closed = false;     // END_STREAM received
  bool client_reset = false;      // RST_STREAM received
  std::chrono::steady_clock::time_point head_completed_at{};  // when finish_head() ran: the body deadline
  http2_body_source* body = nullptr;
  std::uint64_t body_bytes_sent = 0;

 private:
  struct field_entry {
    std::uint32_t offset;
    std::uint32_t name_size;
    std::uint32_t value_size;
  };
  std::string_view name_of(const field_entry& e) const { return {arena_.data() + e.offset, e.name_size}; }
  std::string_view value_of(const field_entry& e) const {
    return {arena_.data() + e.offset + e.name_size, e.value_size};
  }
  bool count_field(std::string_view name, std::string_view value, bool regular);

  std::int32_t id_;
  std::size_t max_head_;
  std::size_t max_header_count_;
  std::size_t max_uri_length_;
  std::uint64_t max_body_size_;

  std::size_t head_size_ = 0;     // names + values + 32 per field (RFC 9113 §6.5.2)
  std::size_t field_count_ = 0;   // regular fields, the cookie counting once
  bool saw_cookie_ = false;
  bool over_limit_ = false;
  bool uri_too_long_ = false;
  output_buffer arena_;           // names and values, back to back
  std::vector<field_entry> fields_;
  std::string cookie_;            // the crumbs joined with "; "
  std::uint64_t body_received_ = 0;
  request request_;
};

}  // namespace ferry
