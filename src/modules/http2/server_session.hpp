// The HTTP/2 server session (RFC 9113): bytes in, requests out to the handler, responses in,
// bytes out. No I/O. Frames are parsed and written here, HPACK is hpack_decoder's and
// hpack_encoder's. The flood guard bounds the frames a client can make the server work for.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "modules/http2/flood_guard.hpp"
#include "modules/http2/frame_format.hpp"
#include "modules/http2/hpack_decoder.hpp"
#include "modules/http2/hpack_encoder.hpp"
#include "modules/http2/http2_config.hpp"
#include "modules/http2/request_head_check.hpp"
#include "modules/http2/stream_state.hpp"
#include "modules/http2_protocol.hpp"
#include "modules/stream_positions.hpp"

namespace ferry {

class http2_server_session final : public http2_session {
 public:
  // `clock` drives the flood limits and the start times check_deadlines() compares with.
  // `config` and `clock` are kept by reference (every connection shares its protocol's): they
  // must outlive the session.
  static std::unique_ptr<http2_server_session> create(const http2_config& config, http2_stream_handler& handler,
                                                      const http2_limits& limits, const http2_clock& clock);
  http2_server_session(const http2_server_session&) = delete;
  http2_server_session& operator=(const http2_server_session&) = delete;

  bool receive(std::span<const char> bytes) override;
  void produce(output_buffer& out, std::size_t max) override;
  using http2_session::produce;
  bool wants_write() const override;
  bool wants_read() const override;
  void respond(std::int32_t stream_id, const http2_response_head& head, http2_body_source* body) override;
  void resume(std::int32_t stream_id) override;
  void shutdown() override;
  std::size_t open_streams() const override { return work_ ? work_->stream_ids.size() : 0; }
  void check_deadlines(std::chrono::steady_clock::time_point now) override;
  void release_idle_memory() override;

  // Bytes this session holds beyond its fixed size: buffers, streams, HPACK tables (approximate).
  std::size_t memory_in_use() const;
  // The flood that ended the connection, if one did.
  std::optional<flood_kind> flood() const { return flood_; }

 private:
  // A request stream: the request as received and the response's flow control.
  struct stream {
    stream(std::int32_t id, const http2_limits& limits, std::int64_t initial_send, std::int64_t initial_receive)
        : state(id, limits), send_window(initial_send), receive_window(initial_receive) {}
    void reset(std::int32_t id, const http2_limits& limits, std::int64_t initial_send, std::int64_t initial_receive) {
      state.reset(id, limits);
      check = {};
      send_window = initial_send;
      receive_window = initial_receive;
      unacknowledged = 0;
      body_left.reset();
      sending = deferred = false;
    }
    stream_state state;
    request_head_check check;
    std::int64_t send_window;     // DATA we may still send (may go negative, §6.9.2)
    std::int64_t receive_window;  // DATA the client may still send
    std::uint32_t unacknowledged = 0;  // received since our last WINDOW_UPDATE for it
    std::optional<std::uint64_t> body_left;  // of the declared content-length, while sending
    bool sending = false;   // in sending_
    bool deferred = false;  // the body source said `deferred`: waits for resume()
  };

  // A header block (HEADERS + CONTINUATION) being received.
  struct header_block {
    enum class purpose : std::uint8_t { request, trailers, ignored };
    std::int32_t stream_id;
    purpose use;
    bool end_stream;
    bool malformed = false;  // a field broke §8.2/§8.3: the stream is reset at the block's end
    bool too_large = false;  // far over the limits: reset ENHANCE_YOUR_CALM, fields not kept
    std::uint32_t continuations = 0;
  };

  // What the session holds only while it has work in hand: frames half received or not yet
  // produced, open streams, a header block. Made when a frame arrives or is queued, given
  // back with the idle memory: an idle connection keeps one pointer instead of ~230 bytes.
  struct traffic {
    std::string input;      // a frame (or the preface) not yet complete
    output_buffer output;  // frames queued, not yet produced (DATA is made in produce())
    std::vector<std::int32_t> ended_in_output;  // streams whose END_STREAM is in output
    // The open streams, by position.
    stream_positions stream_ids;
    std::vector<std::unique_ptr<stream>> streams;
    std::vector<std::int32_t> sending;  // streams with a body that may have DATA to send
    std::optional<header_block> block;
    std::string block_buffer;  // the frames of a header block in several, until its last
    // The header block clock: when the block in progress began.
    std::optional<std::chrono::steady_clock::time_point> block_started;
    std::optional<std::chrono::steady_clock::time_point> receive_time;  // see receive_time()
    // The last closed client streams: id, and whether the client had finished sending. It grows
    // with the streams closed, up to max_closed, then is a ring whose oldest is at next_closed.
    // Kept no longer than the rest: 2 s after the last frame, what the client sent before it
    // saw our RST_STREAM has long arrived.
    std::vector<std::uint32_t> closed;
    std::size_t next_closed = 0;
  };
  traffic& work() {
    if (!work_) work_ = std::make_unique<traffic>();
    return *work_;
  }
  // Nothing in hand: no traffic block, or one with nothing in it.
  bool at_rest() const;

  // What a frame (or the preface) did to the connection.
  enum class outcome { go_on, stop };

  http2_server_session(const http2_config& config, http2_stream_handler& handler, const http2_limits& limits,
                       const http2_clock& clock);

  // Receiving.
  std::size_t consume(std::span<const char> bytes);
  outcome check_frame_header(const h2::frame_header& header);
  outcome on_frame(const h2::frame_header& header, std::span<const char> payload);
  outcome on_data(const h2::frame_header& header, std::span<const char> payload);
  outcome on_headers(const h2::frame_header& header, std::span<const char> payload);
  outcome on_continuation(const h2::frame_header& header, std::span<const char> payload);
  outcome on_priority(const h2::frame_header& header, std::span<const char> payload);
  outcome on_rst_stream(const h2::frame_header& header, std::span<const char> payload);
  outcome on_settings(const h2::frame_header& header, std::span<const char> payload);
  outcome on_ping(const h2::frame_header& header, std::span<const char> payload);
  outcome on_goaway(const h2::frame_header& header, std::span<const char> payload);
  outcome on_window_update(const h2::frame_header& header, std::span<const char> payload);
  // Strips the padding (§6.1, §6.2) and the HEADERS priority fields; false: the padding is
  // longer than the payload allows.
  static bool unpad(const h2::frame_header& header, std::span<const char>& payload);
  outcome decode_fragment(std::span<const char> fragment, bool last);
  void release_block_buffer();
  outcome finish_block();
  outcome finish_request_head(stream& s, bool end_stream);
  outcome end_of_request(stream& s);
  // The connection error that HEADERS or DATA (header `type`) on a stream id at or below the
  // highest the client used, no longer open, is (RFC 9113 §5.1, §5.1.1), or 0 to ignore it.
  std::uint32_t closed_stream_error(std::uint8_t type, std::int32_t stream_id) const;
  void replenish(stream* s, std::uint32_t consumed);

  // Sending.
  void queue_frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream_id, std::string_view payload);
  void queue_window_update(std::int32_t stream_id, std::uint32_t increment);
  void queue_reset(std::int32_t stream_id, std::uint32_t error_code);
  void queue_headers(std::int32_t stream_id, const http2_response_head& head, bool end_stream);
  // One DATA frame of `s`'s body into `out`, as large as the windows and the client's frame
  // size allow.
  enum class sent { frame, nothing, finished, closed };
  sent send_data(stream& s, output_buffer& out);
  bool can_send_data(const stream& s) const;
  // The response's last frame is in `out`: RST_STREAM NO_ERROR if the client is still
  // sending, and the stream closes.
  void finish_response(stream& s, output_buffer& out);
  // Moves the queued frames (work().output) to `out` and finishes the responses that ended in them.
  void flush_output(output_buffer& out);

  // Streams.
  stream* find(std::int32_t stream_id);
  stream& open_stream(std::int32_t stream_id);
  // Closed streams kept for the next ones, shared by the sessions of one thread (a worker).
  static std::vector<std::unique_ptr<stream>>& spare_streams();
  // RST_STREAM `error_code` and the stream closes. A reset the client provoked is counted
  // by the caller (flood_kind::provoked_reset).
  void reset_stream(stream& s, std::uint32_t error_code);
  // The stream is finished: removed, remembered as closed and the handler told.
  void close_stream(std::int32_t stream_id, bool response_complete);
  void answer(stream& s, int status);
  void deliver(stream& s);
  void remember_closed(std::int32_t stream_id, bool client_done);
  std::optional<bool> closed_by_client(std::int32_t stream_id) const;

  // Connection.
  // Ends the connection with GOAWAY `error_code` (once), naming `last_stream` (by default the
  // highest stream the client opened) as the last one processed.
  outcome terminate(std::uint32_t error_code);
  outcome terminate(std::uint32_t error_code, std::int32_t last_stream);
  bool count(flood_kind kind);
  void track_header_block();
  // A connection error or flood ended the connection (a graceful GOAWAY does not).
  bool terminated() const { return goaway_error_.has_value() && *goaway_error_ != h2::no_error; }

  const http2_config& config_;
  http2_stream_handler& handler_;
  http2_limits limits_;
  const http2_clock& clock_;
  flood_guard guard_;
  hpack_decoder decoder_;
  hpack_encoder encoder_;
  std::unique_ptr<traffic> work_;

  std::uint32_t acks_in_output_ = 0;  // SETTINGS and PING acknowledgements in work().output
  std::uint32_t preface_left_ = h2::client_preface.size();
  bool settings_received_ = false;
  bool settings_acknowledged_ = false;  // the client acknowledged ours
  bool partial_headers_counted_ = false;  // the HEADERS frame in work().input was counted as begun

  std::int32_t highest_client_stream_ = 0;
  std::int32_t last_complete_head_ = 0;  // highest stream whose request head was complete

  // Flow control. The client's settings for what we send, ours for what it sends.
  std::int64_t connection_send_window_ = h2::default_window;
  std::int64_t connection_receive_window_ = h2::default_window;
  std::uint32_t connection_unacknowledged_ = 0;
  std::uint32_t connection_window_size_ = h2::default_window;
  std::int64_t peer_initial_window_ = h2::default_window;
  std::uint32_t peer_max_frame_ = h2::default_max_frame_size;

  // GOAWAY: sent (with its code and last stream), received.
  std::optional<std::uint32_t> goaway_error_;
  std::int32_t goaway_last_stream_ = 0;
  bool goaway_in_output_ = false;
  bool goaway_sent_ = false;  // produced
  bool goaway_received_ = false;
  std::optional<flood_kind> flood_;

  // traffic::closed: how many closed streams it keeps at most, and its bit for "the client had
  // finished sending".
  static constexpr std::size_t max_closed = 256;
  static constexpr std::uint32_t closed_by_client_bit = 0x80000000u;

  // The clock read once per receive(): every head one read completes shares it (the body
  // deadline needs no finer time, and a clock read per stream was a visible cost).
  std::chrono::steady_clock::time_point receive_time();
  // Header blocks begun (HEADERS frames seen), and which one work().block_started timed.
  std::uint64_t blocks_begun_ = 0;
  std::uint64_t block_serial_ = 0;
};

}  // namespace ferry
