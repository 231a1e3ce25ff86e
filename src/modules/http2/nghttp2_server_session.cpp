#include "modules/http2/nghttp2_server_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/http2/response_fields.hpp"

namespace ferry {
namespace {

std::string_view view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

bool has_end_stream(const nghttp2_frame& frame) { return (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0; }

}  // namespace

// The nghttp2 callbacks. Each finds the session in `user_data`.
struct nghttp2_server_session::access {
  static nghttp2_server_session& self(void* user_data) { return *static_cast<nghttp2_server_session*>(user_data); }

  // Every frame header, CONTINUATION included: stream states nghttp2 cannot judge without the
  // closed streams it does not keep, PRIORITY on stream 0, and the flood counters.
  static int on_begin_frame(nghttp2_session* session, const nghttp2_frame_hd* hd, void* user_data) {
    auto& s = self(user_data);
    // DATA is checked in receive(), before nghttp2 has its header.
    if (hd->type == NGHTTP2_HEADERS) {
      if (const std::uint32_t error = s.check_stream_state(hd->type, hd->stream_id); error != 0) {
        s.terminate(error);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
      }
    }
    // RFC 9113 §6.3; nghttp2 skips PRIORITY frames unread while RFC 7540 priorities are off.
    if (hd->type == NGHTTP2_PRIORITY && hd->stream_id == 0) {
      s.terminate(NGHTTP2_PROTOCOL_ERROR);
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (hd->type == NGHTTP2_SETTINGS && (hd->flags & NGHTTP2_FLAG_ACK) == 0) {
      s.settings_old_initial_window_ = nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
      s.settings_largest_window_ = -1;
      for (const auto& [id, stream] : s.streams_) {
        s.settings_largest_window_ =
            std::max<std::int64_t>(s.settings_largest_window_, nghttp2_session_get_stream_remote_window_size(session, id));
      }
    }
    bool ok = true;
    switch (hd->type) {
      case NGHTTP2_DATA:
        if (hd->length == 0 && (hd->flags & NGHTTP2_FLAG_END_STREAM) == 0) ok = s.count(flood_kind::empty_frame);
        break;
      case NGHTTP2_HEADERS:
      case NGHTTP2_CONTINUATION:
        if (hd->length == 0) ok = s.count(flood_kind::empty_frame);
        break;
      case NGHTTP2_PRIORITY: ok = s.count(flood_kind::priority); break;
      case NGHTTP2_RST_STREAM: ok = s.count(flood_kind::client_reset); break;
      case NGHTTP2_WINDOW_UPDATE: ok = s.count(flood_kind::window_update); break;
      case NGHTTP2_SETTINGS:
      case NGHTTP2_PING:
        if ((hd->flags & NGHTTP2_FLAG_ACK) == 0) ok = s.count(flood_kind::control_frame);
        break;
      default: break;
    }
    return ok ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    s.streams_.insert_or_assign(frame->hd.stream_id, std::make_unique<stream_state>(frame->hd.stream_id, s.limits_));
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t name_size,
                       const std::uint8_t* value, std::size_t value_size, std::uint8_t, void* user_data) {
    auto& s = self(user_data);
    stream_state* stream = s.find(frame->hd.stream_id);
    if (stream == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;
    const bool request_head = frame->headers.cat == NGHTTP2_HCAT_REQUEST;
    const bool keep_going = request_head ? stream->add_field(view(name, name_size), view(value, value_size))
                                         : stream->add_trailer_field(view(name, name_size), view(value, value_size));
    if (keep_going) return 0;
    // Far over the limits (an HPACK bomb): the stream is reset with ENHANCE_YOUR_CALM, the
    // client's doing. Submitted first, it makes nghttp2 skip its own RST_STREAM INTERNAL_ERROR;
    // nghttp2 then decodes the rest of the block without calling back, keeping HPACK in step.
    if (!s.count(flood_kind::provoked_reset)) return NGHTTP2_ERR_CALLBACK_FAILURE;
    nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, stream->id(), NGHTTP2_ENHANCE_YOUR_CALM);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
      // RFC 9113 §6.9.2: a new initial window that takes a stream's window past 2^31-1 is a
      // connection error. nghttp2 only resets that stream (and has queued the RST_STREAM).
      const std::int64_t now_initial = nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
      if (s.settings_largest_window_ >= 0 &&
          s.settings_largest_window_ + now_initial - s.settings_old_initial_window_ > std::numeric_limits<std::int32_t>::max()) {
        s.terminate(NGHTTP2_FLOW_CONTROL_ERROR);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
      }
      return 0;
    }
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      if (stream_state* stream = s.find(frame->hd.stream_id); stream != nullptr) stream->client_reset = true;
      return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    stream_state* stream = s.find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    if (has_end_stream(*frame)) stream->remote_closed = true;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      stream->head_completed_at = s.clock_();
      s.last_complete_head_ = std::max(s.last_complete_head_, stream->id());
      switch (stream->finish_head()) {
        case head_problem::too_large: s.answer(*stream, 431); return 0;
        case head_problem::uri_too_long: s.answer(*stream, 414); return 0;
        case head_problem::authority_differs:
          nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, stream->id(), NGHTTP2_PROTOCOL_ERROR);
          return s.count(flood_kind::provoked_reset) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
        case head_problem::none: break;
      }
      // A declared length over the limit is refused before any of the body arrives.
      if (!stream->remote_closed && stream->req().content_length > stream->max_body_size()) {
        s.answer(*stream, 413);
        return 0;
      }
    }
    if (stream->remote_closed && stream->head_done && !stream->responded && !stream->delivered) s.deliver(*stream);
    return 0;
  }

  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t*,
                                std::size_t size, void* user_data) {
    auto& s = self(user_data);
    stream_state* stream = s.find(stream_id);
    // The body is discarded; nghttp2 gives the flow-control window back by itself.
    if (stream != nullptr && !stream->add_body_bytes(size) && !stream->responded) s.answer(*stream, 413);
    return 0;
  }

  static int on_invalid_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, int, void* user_data) {
    // A stream error caused by the client: nghttp2 resets the stream (CVE-2025-8671 counts
    // these; connection errors end the connection anyway).
    if (frame->hd.stream_id == 0) return 0;
    auto& s = self(user_data);
    // A request refused before it had a stream (over the concurrency limit before the SETTINGS
    // ACK): closed by us first, so its body in flight is ignored like a reset stream's.
    if (frame->hd.type == NGHTTP2_HEADERS && nghttp2_session_find_stream(session, frame->hd.stream_id) == nullptr) {
      s.remember_closed(frame->hd.stream_id, has_end_stream(*frame));
    }
    return s.count(flood_kind::provoked_reset) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type == NGHTTP2_DATA) s.guard_.data_frame_sent();
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    stream_state* stream = s.find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_DATA) stream->body_bytes_sent += frame->hd.length;
    if (!has_end_stream(*frame)) return 0;
    stream->response_complete = true;
    // RFC 9113 §8.1: the response is complete before the request; ask the client to stop
    // sending it, without error.
    if (!stream->remote_closed) {
      nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, stream->id(), NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user_data) {
    auto& s = self(user_data);
    const auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) {
      s.remember_closed(stream_id, false);
      return 0;
    }
    s.remember_closed(stream_id, it->second->remote_closed || it->second->client_reset);
    // Taken out first: the handler may call respond() for this id, which must find nothing.
    const std::unique_ptr<stream_state> stream = std::move(it->second);
    s.streams_.erase(it);
    s.handler_.on_stream_closed(stream_id, stream->response_complete, stream->body_bytes_sent);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* data_flags, nghttp2_data_source* source, void*) {
    auto* stream = static_cast<stream_state*>(source->ptr);
    bool eof = false;
    const std::ptrdiff_t got = stream->body->read(std::span<char>(reinterpret_cast<char*>(buf), length), eof);
    if (got == http2_body_source::deferred) return NGHTTP2_ERR_DEFERRED;
    // A read error, a source that claims more than it was given, or one that has nothing left
    // before its end (a file truncated under us) all reset the stream: INTERNAL_ERROR.
    if (got < 0 || static_cast<std::size_t>(got) > length || (got == 0 && !eof && length != 0)) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (eof) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return got;
  }
};

std::unique_ptr<nghttp2_server_session> nghttp2_server_session::create(const http2_config& config,
                                                                       http2_stream_handler& handler,
                                                                       const http2_limits& limits, http2_clock clock) {
  std::unique_ptr<nghttp2_server_session> session(new nghttp2_server_session(config, handler, limits, std::move(clock)));
  if (session->session_ == nullptr) return nullptr;
  return session;
}

nghttp2_server_session::nghttp2_server_session(const http2_config& config, http2_stream_handler& handler,
                                               const http2_limits& limits, http2_clock clock)
    : config_(config),
      handler_(handler),
      limits_(limits),
      clock_(clock),
      guard_(config.flood, std::move(clock)),
      memory_(std::make_unique<session_memory>()) {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return;
  nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, &access::on_begin_frame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &access::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &access::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &access::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &access::on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, &access::on_invalid_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &access::on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &access::on_stream_close);

  nghttp2_option* options = nullptr;
  if (nghttp2_option_new(&options) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return;
  }
  const http2_flood_limits& flood = config.flood;
  nghttp2_option_set_no_closed_streams(options, 1);  // no RFC 7540 priority tree to keep them for
  nghttp2_option_set_max_outbound_ack(options, flood.max_queued_acks);
  nghttp2_option_set_max_settings(options, flood.max_settings_entries);
  nghttp2_option_set_max_continuations(options, flood.max_continuations);
  // nghttp2's own RST_STREAM limiter (GOAWAY INTERNAL_ERROR, wall clock) stays as a backstop
  // behind ours, which fires first.
  nghttp2_option_set_stream_reset_rate_limit(options, std::uint64_t{flood.reset_burst} * 10,
                                             std::uint64_t{flood.reset_rate} * 10);
  const int rv = nghttp2_session_server_new3(&session_, callbacks, this, options, memory_->allocator());
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return;
  }
  const std::array<nghttp2_settings_entry, 6> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, config.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, config.initial_window_size},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, config.max_frame_size},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, config.header_table_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_head, 0xffffffffu))},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    nghttp2_session_del(session_);
    session_ = nullptr;
    return;
  }
  // The connection window follows a larger stream window, so one upload can use it all.
  if (config.initial_window_size > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<std::int32_t>(config.initial_window_size));
  }
}

nghttp2_server_session::~nghttp2_server_session() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

stream_state* nghttp2_server_session::find(std::int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

std::uint32_t nghttp2_server_session::check_stream_state(std::uint8_t type, std::int32_t stream_id) {
  // Even ids, id 0 and idle streams (above every id used) are nghttp2's to judge.
  if (stream_id <= 0 || stream_id % 2 == 0) return 0;
  if (stream_id > highest_client_stream_) {
    if (type == NGHTTP2_HEADERS) highest_client_stream_ = stream_id;
    return 0;
  }
  // Open or half-closed: nghttp2 knows the stream (trailers; STREAM_CLOSED for DATA or HEADERS
  // after END_STREAM; a stream we are resetting ignores what comes).
  if (nghttp2_session_find_stream(session_, stream_id) != nullptr) return 0;
  // Streams above our graceful GOAWAY's last id are ignored, as announced.
  if (shutting_down_ && stream_id > goaway_last_stream_) return 0;
  // A closed stream. One we closed while the client was still sending: what it sent before it
  // saw our RST_STREAM (or our END_STREAM and RST_STREAM NO_ERROR) is ignored, RFC 9113 §5.1.
  const std::optional<bool> by_client = closed_by_client(stream_id);
  if (by_client && !*by_client) return 0;
  // The client closed it (END_STREAM or RST_STREAM), it was skipped (implicitly closed by a
  // higher id, §5.1.1), or it closed too long ago to tell. DATA on a closed stream is
  // STREAM_CLOSED (§6.1), as a connection error like nghttp2's own for half-closed streams.
  if (type == NGHTTP2_DATA) return NGHTTP2_STREAM_CLOSED;
  // HEADERS: on a stream the client closed, STREAM_CLOSED (§5.1); otherwise a new stream with
  // an id not above all those used, PROTOCOL_ERROR (§5.1.1).
  return by_client ? NGHTTP2_STREAM_CLOSED : NGHTTP2_PROTOCOL_ERROR;
}

void nghttp2_server_session::remember_closed(std::int32_t stream_id, bool client_done) {
  if (stream_id <= 0 || stream_id % 2 == 0) return;
  closed_[next_closed_slot_] = static_cast<std::uint32_t>(stream_id) | (client_done ? closed_by_client_bit : 0u);
  next_closed_slot_ = (next_closed_slot_ + 1) % closed_.size();
}

std::optional<bool> nghttp2_server_session::closed_by_client(std::int32_t stream_id) const {
  // Newest first: an id is recorded once per closing, but a refused stream may be seen twice.
  for (std::size_t n = 1; n <= closed_.size(); ++n) {
    const std::uint32_t entry = closed_[(next_closed_slot_ + closed_.size() - n) % closed_.size()];
    if ((entry & ~closed_by_client_bit) == static_cast<std::uint32_t>(stream_id)) {
      return (entry & closed_by_client_bit) != 0;
    }
  }
  return std::nullopt;
}

void nghttp2_server_session::check_priority(const frame_scanner::priority_frame& frame) {
  // RFC 9113 §5.3.1: a stream depending on itself is a stream error PROTOCOL_ERROR. A stream
  // that is not open (idle or closed) cannot be reset (§6.4 forbids RST_STREAM on an idle
  // stream): the error is taken to the connection, as §5.4.1 allows.
  if (frame.stream_id == 0 || frame.dependency != frame.stream_id) return;
  if (nghttp2_session_find_stream(session_, frame.stream_id) == nullptr) {
    terminate(NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, frame.stream_id, NGHTTP2_PROTOCOL_ERROR);
  count(flood_kind::provoked_reset);
}

void nghttp2_server_session::track_header_block() {
  if (!scanner_.in_header_block()) {
    block_started_.reset();
    return;
  }
  // A block begun since the clock started is a new one: its own time counts.
  if (!block_started_ || block_serial_ != scanner_.blocks_begun()) {
    block_started_ = clock_();
    block_serial_ = scanner_.blocks_begun();
  }
}

void nghttp2_server_session::check_deadlines(std::chrono::steady_clock::time_point now) {
  if (dead_) return;
  if (block_started_ && now - *block_started_ >= limits_.head_timeout) {
    // Nothing else can arrive before the block ends, and the stream cannot be answered on its
    // own while HPACK decoding is half done: the connection ends. Streams from the stalled one
    // on were not processed (the client may retry them elsewhere).
    dead_ = true;
    nghttp2_session_terminate_session2(session_, last_complete_head_, NGHTTP2_ENHANCE_YOUR_CALM);
    return;
  }
  for (const auto& [id, stream] : streams_) {
    if (stream->head_done && !stream->remote_closed && !stream->responded &&
        now - stream->head_completed_at >= limits_.body_timeout) {
      // 408 ends our side; on_frame_send then asks the client to stop with RST_STREAM NO_ERROR.
      answer(*stream, 408);
    }
  }
}

bool nghttp2_server_session::count(flood_kind kind) {
  if (flood_ || guard_.count(kind)) return !flood_;
  flood_ = kind;
  terminate(NGHTTP2_ENHANCE_YOUR_CALM);
  return false;
}

void nghttp2_server_session::terminate(std::uint32_t error_code) {
  dead_ = true;
  // Fails harmlessly when a GOAWAY that terminates is already queued.
  nghttp2_session_terminate_session(session_, error_code);
}

bool nghttp2_server_session::receive(std::span<const char> bytes) {
  if (dead_) return false;
  // Fed in pieces that end after each PRIORITY frame and before the end of each DATA frame
  // header, so their checks see the state the frames before them left.
  while (!bytes.empty() && !dead_) {
    const std::size_t n = scanner_.scan(bytes);
    const ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), n);
    if (rv < 0) {
      if (!dead_) {
        switch (rv) {
          case NGHTTP2_ERR_FLOODED:
          case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS: terminate(NGHTTP2_ENHANCE_YOUR_CALM); break;
          case NGHTTP2_ERR_NOMEM:
          case NGHTTP2_ERR_CALLBACK_FAILURE: terminate(NGHTTP2_INTERNAL_ERROR); break;
          default: terminate(NGHTTP2_PROTOCOL_ERROR); break;
        }
      }
      dead_ = true;
      break;
    }
    bytes = bytes.subspan(n);
    if (const auto priority = scanner_.take_priority(); priority) check_priority(*priority);
    if (const auto data = scanner_.take_data_header(); data) {
      if (const std::uint32_t error = check_stream_state(NGHTTP2_DATA, data->stream_id); error != 0) terminate(error);
    }
  }
  track_header_block();
  return !dead_ && nghttp2_session_want_read(session_) != 0;
}

void nghttp2_server_session::produce(std::string& out, std::size_t max) {
  const std::size_t start = out.size();
  while (out.size() - start < max) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) {
      if (n < 0) dead_ = true;  // only NOMEM or a broken callback: nothing more can be sent
      break;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

bool nghttp2_server_session::wants_write() const { return nghttp2_session_want_write(session_) != 0; }

bool nghttp2_server_session::wants_read() const { return !dead_ && nghttp2_session_want_read(session_) != 0; }

void nghttp2_server_session::deliver(stream_state& stream) {
  stream.delivered = true;
  handler_.on_request(stream.id(), stream.req());
}

void nghttp2_server_session::answer(stream_state& stream, int status) {
  stream.responded = true;
  stream.answered_by_session = true;
  const std::string code = std::to_string(status);
  const std::array<nghttp2_nv, 1> nv{{
      {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(":status")),
       const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(code.data())), 7, code.size(),
       NGHTTP2_NV_FLAG_NONE},
  }};
  nghttp2_submit_response(session_, stream.id(), nv.data(), nv.size(), nullptr);
}

void nghttp2_server_session::respond(std::int32_t stream_id, const http2_response_head& head,
                                     http2_body_source* body) {
  stream_state* stream = find(stream_id);
  if (stream == nullptr || !stream->delivered || stream->responded) return;
  thread_local response_fields fields;
  const std::span<const nghttp2_nv> nv = fields.build(head);
  stream->responded = true;
  stream->body = body;
  nghttp2_data_provider provider{};
  provider.source.ptr = stream;
  provider.read_callback = &access::read_body;
  // nghttp2 copies the fields: `fields` is free again once this returns.
  nghttp2_submit_response(session_, stream_id, nv.data(), nv.size(), body != nullptr ? &provider : nullptr);
}

void nghttp2_server_session::resume(std::int32_t stream_id) {
  const stream_state* stream = find(stream_id);
  if (stream == nullptr || stream->body == nullptr || dead_) return;
  nghttp2_session_resume_data(session_, stream_id);
}

void nghttp2_server_session::shutdown() {
  if (shutting_down_ || dead_) return;
  shutting_down_ = true;
  goaway_last_stream_ = nghttp2_session_get_last_proc_stream_id(session_);
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, goaway_last_stream_, NGHTTP2_NO_ERROR, nullptr, 0);
}

}  // namespace ferry
