// What the HTTP/2 module offers the core: a server session per connection that turns received
// bytes into requests and responses into bytes to send. The session does no I/O (the core's
// connection reads and writes, in the clear or through TLS) and exposes no module type, so the
// core compiles the same with the module on or off (then pipeline_extensions::http2 is null).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "modules/output_buffer.hpp"

namespace ferry {

// A response body the session pulls from as flow control allows. Implemented by the core.
class http2_body_source {
 public:
  // read()'s answer when the body must wait (a bandwidth cap): the stream sends nothing until
  // the core calls http2_session::resume() for it.
  static constexpr std::ptrdiff_t deferred = -2;

  virtual ~http2_body_source() = default;
  // Copies the next bytes of the body into `into` (at most its size). Returns how many, sets
  // `eof` once the last byte has been copied (a 0-byte read with eof is fine), or `deferred`.
  // Any other negative result is a read error: the session resets the stream (INTERNAL_ERROR).
  // So is a 0-byte read without eof when room was offered (a file truncated under us).
  virtual std::ptrdiff_t read(std::span<char> into, bool& eof) = 0;
};

// The head of a response, as the core hands it to the session. Field names may be in any
// case (the session lower-cases them) and never include connection-specific fields.
struct http2_response_head {
  int status = 200;
  std::span<const std::pair<std::string_view, std::string_view>> fields;  // includes date, server
  std::optional<std::uint64_t> content_length;  // sent as content-length when set
  // Names (any case) of fields whose value is new in every response (the request id,
  // traceparent): sent without HPACK indexing, where they would only push out of the dynamic
  // table the entries that do repeat (but for a name no table holds, whose first value enters
  // the table so that the rest can name it by index).
  std::span<const std::string_view> never_indexed;
};

// Implemented by the core's HTTP/2 connection.
class http2_stream_handler {
 public:
  virtual ~http2_stream_handler() = default;
  // A complete request (head received; END_STREAM seen, a request body having been discarded
  // within the limits). `req` (its views) stays valid until on_stream_closed for this stream.
  // The core answers later or at once with http2_session::respond.
  virtual void on_request(std::int32_t stream_id, const request& req) = 0;
  // The stream ended: its response was sent completely (`response_complete`), or it was reset
  // by either side, or the session answered it itself (e.g. 413 for a body over the limit).
  // `body_bytes`: DATA payload sent. The core releases its state for the stream; later calls
  // with this id are ignored by the session.
  // Called exactly once for every request stream the client opened, also for those the core
  // never saw in on_request (answered by the session: 431/414/413/408, or reset as malformed);
  // `response_complete` then says whether the session's own answer went out completely.
  // Not called for streams still open when the session is destroyed.
  virtual void on_stream_closed(std::int32_t stream_id, bool response_complete, std::uint64_t body_bytes) = 0;
};

struct http2_limits {
  std::size_t max_head = 8192;           // decoded header list (names + values + 32 each), → 431
  std::size_t max_header_count = 64;     // → 431
  std::size_t max_uri_length = 4096;     // :path → 414
  std::uint64_t max_body_size = 1 << 20;  // request body (DATA), → 413 and reset
  // A header block (HEADERS + CONTINUATION, request head or trailers) not complete this long
  // after its first byte arrived: the connection cannot go on (the block holds it), GOAWAY
  // ENHANCE_YOUR_CALM naming the last stream whose head was complete. From [timeouts] request_head.
  std::chrono::milliseconds head_timeout{10000};
  // A request body (END_STREAM) not complete this long after its head: 408 then
  // RST_STREAM NO_ERROR on that stream; the connection goes on. From [timeouts] body.
  std::chrono::milliseconds body_timeout{30000};
};

class http2_session {
 public:
  virtual ~http2_session() = default;

  // Feeds bytes received from the peer. False: the session reads no more (a connection error
  // or a flood cut off with GOAWAY, or a graceful end — ours or the client's GOAWAY — with no
  // stream left): send what produce() still gives, then close.
  // Handler callbacks run inside receive() and produce(); they may call respond() and
  // shutdown(), never destroy the session.
  virtual bool receive(std::span<const char> bytes) = 0;
  // Appends frames ready to send to `out`, about `max` bytes at most (a frame may overshoot
  // by one frame). Pulls response bodies from their sources as flow control allows.
  virtual void produce(output_buffer& out, std::size_t max) = 0;
  // The same into a string (tests and tools).
  void produce(std::string& out, std::size_t max) {
    output_buffer produced;
    produce(produced, max);
    out.append(produced.view());
  }
  // Frames are waiting to be produced (or a body could be pulled).
  virtual bool wants_write() const = 0;
  // The session is still open for reading (false after GOAWAY was both sent and settled, or a
  // fatal error): when it is false and wants_write() is false too, the core closes.
  virtual bool wants_read() const = 0;

  // Answers stream `stream_id` with `head` and, unless null, a body from `body` (which must
  // stay valid until on_stream_closed). A null body ends the stream with the HEADERS frame.
  // Ignored for a stream that no longer exists. The head is encoded at once: what it refers to
  // need not outlive the call.
  virtual void respond(std::int32_t stream_id, const http2_response_head& head, http2_body_source* body) = 0;
  // A body whose read() answered `deferred` may be read again. Ignored for a stream that no
  // longer exists or is not deferred.
  virtual void resume(std::int32_t stream_id) = 0;
  // Graceful shutdown: GOAWAY with the last stream id processed; open streams finish.
  virtual void shutdown() = 0;
  // Streams opened and not yet closed.
  virtual std::size_t open_streams() const = 0;
  // Enforces http2_limits::head_timeout and body_timeout against `now` (the same clock as the
  // protocol's: steady_clock). The core calls it on every worker tick, then produce(): it may
  // queue frames (408, RST_STREAM, GOAWAY) and call on_stream_closed later, from produce().
  // After a GOAWAY for a stalled header block, wants_read() is false.
  virtual void check_deadlines(std::chrono::steady_clock::time_point now) = 0;
  // The connection has been idle a while (no stream open, nothing queued): gives back what the
  // next request can rebuild (scratch buffers, the encoder's memory of the last heads). The HPACK
  // tables stay: the peer's copies must keep matching them.
  virtual void release_idle_memory() = 0;
};

class http2_protocol {
 public:
  virtual ~http2_protocol() = default;
  // A session for a new connection whose first bytes will be the client preface. The server's
  // SETTINGS are ready to produce() at once. `handler` outlives the session.
  virtual std::unique_ptr<http2_session> open(http2_stream_handler& handler, const http2_limits& limits) const = 0;
  // Plaintext connections starting with the HTTP/2 preface are served as HTTP/2 (h2c prior
  // knowledge); false: such a connection gets HTTP/1.1's 505/400 treatment.
  virtual bool cleartext() const = 0;
};

}  // namespace ferry
