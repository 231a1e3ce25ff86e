// The HTTP/2 server session on nghttp2: bytes in, requests out to the handler, responses in,
// bytes out. No I/O. The flood guard watches the frames nghttp2 does not bound itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "modules/http2/flood_guard.hpp"
#include "modules/http2/frame_scanner.hpp"
#include "modules/http2/http2_config.hpp"
#include "modules/http2/session_memory.hpp"
#include "modules/http2/stream_state.hpp"
#include "modules/http2_protocol.hpp"

struct nghttp2_session;

namespace ferry {

class nghttp2_server_session final : public http2_session {
 public:
  // Null only when nghttp2 cannot allocate. `clock` drives the flood limits and the start
  // times check_deadlines() compares with.
  static std::unique_ptr<nghttp2_server_session> create(const http2_config& config, http2_stream_handler& handler,
                                                        const http2_limits& limits, http2_clock clock);
  ~nghttp2_server_session() override;
  nghttp2_server_session(const nghttp2_server_session&) = delete;
  nghttp2_server_session& operator=(const nghttp2_server_session&) = delete;

  bool receive(std::span<const char> bytes) override;
  void produce(std::string& out, std::size_t max) override;
  bool wants_write() const override;
  bool wants_read() const override;
  void respond(std::int32_t stream_id, const http2_response_head& head, http2_body_source* body) override;
  void resume(std::int32_t stream_id) override;
  void shutdown() override;
  std::size_t open_streams() const override { return streams_.size(); }
  void check_deadlines(std::chrono::steady_clock::time_point now) override;

  // Bytes nghttp2 holds for this session (its streams, queues and HPACK tables).
  std::size_t memory_in_use() const { return memory_->in_use(); }
  // The flood that ended the connection, if one did.
  std::optional<flood_kind> flood() const { return flood_; }

  // nghttp2's callbacks (in the .cpp) reach the session through this.
  struct access;

 private:
  nghttp2_server_session(const http2_config& config, http2_stream_handler& handler, const http2_limits& limits,
                         http2_clock clock);

  stream_state* find(std::int32_t stream_id);
  // Ends the connection with GOAWAY `error_code` (once); the caller stops nghttp2's parsing.
  void terminate(std::uint32_t error_code);
  // The session answers a stream itself (431, 413, ...) with an empty body.
  void answer(stream_state& stream, int status);
  void deliver(stream_state& stream);
  // RFC 9113 §5.1, §5.1.1 for a HEADERS or DATA frame (header `type`) on a client stream id:
  // 0 when nghttp2 may go on, else the connection error to end the connection with.
  std::uint32_t check_stream_state(std::uint8_t type, std::int32_t stream_id);
  // A client stream closed: `client_done` when the client had ended or reset it (it may send
  // no more DATA or HEADERS on it), false when the server closed it first (what the client
  // sent before it saw that is ignored, RFC 9113 §5.1 "closed").
  void remember_closed(std::int32_t stream_id, bool client_done);
  // What remember_closed() recorded for `stream_id`, if it is still among the last ones.
  std::optional<bool> closed_by_client(std::int32_t stream_id) const;
  // A PRIORITY frame has been fed to nghttp2 (which does not parse it): RFC 9113 §5.3.1.
  void check_priority(const frame_scanner::priority_frame& frame);
  // Starts or stops the header-block clock after bytes were fed.
  void track_header_block();
  // Counts a frame; false when that was one too many (the connection is then terminated).
  bool count(flood_kind kind);

  http2_config config_;
  http2_stream_handler& handler_;
  http2_limits limits_;
  http2_clock clock_;
  flood_guard guard_;
  frame_scanner scanner_;
  std::unique_ptr<session_memory> memory_;  // outlives session_ (declared first)
  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, std::unique_ptr<stream_state>> streams_;
  std::optional<flood_kind> flood_;
  std::int32_t highest_client_stream_ = 0;
  std::int32_t last_complete_head_ = 0;  // highest stream whose request head was complete
  std::int32_t goaway_last_stream_ = 0;  // in our graceful GOAWAY: later streams are ignored
  // The last streams to close: the id, with closed_by_client_bit when the client had ended or
  // reset it. Bounds how long frames the client sent before it saw our RST_STREAM are ignored.
  static constexpr std::uint32_t closed_by_client_bit = 0x80000000u;
  std::array<std::uint32_t, 256> closed_{};
  std::size_t next_closed_slot_ = 0;
  // Before a SETTINGS frame is applied: the client's initial window and the largest stream
  // send window, to see whether the new initial window overflows one (RFC 9113 §6.9.2).
  std::int64_t settings_old_initial_window_ = 0;
  std::int64_t settings_largest_window_ = -1;
  // The header block in progress: when it was first seen unfinished, and which one it was.
  std::optional<std::chrono::steady_clock::time_point> block_started_;
  std::uint64_t block_serial_ = 0;
  bool dead_ = false;  // nghttp2 cannot parse any more: only produce() what is left
  bool shutting_down_ = false;
};

}  // namespace ferry
