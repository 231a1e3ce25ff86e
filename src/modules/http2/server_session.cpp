#include "modules/http2/server_session.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

namespace ferry {
namespace {

// Closed streams kept for reuse by a thread's sessions: enough for the streams its clients
// keep in flight at once. Kept per thread, not per connection, so an idle connection holds
// none; a stream whose buffers grew past a typical head goes back to the heap instead.
constexpr std::size_t max_spare_streams = 128;
constexpr std::size_t max_spare_stream_bytes = 4096;

// The room frames are queued in, lent by the thread to a session from its first queued frame
// until produce() has taken them all: sessions between two turns hold none.
thread_local spare_output_buffer queued_frames_spare;

bool has(std::uint8_t flags, std::uint8_t flag) { return (flags & flag) != 0; }

// Client stream ids are odd; an even one would be a stream only the server may open.
bool client_stream_id(std::int32_t id) { return id > 0 && id % 2 == 1; }

}  // namespace

std::unique_ptr<http2_server_session> http2_server_session::create(const http2_config& config,
                                                                   http2_stream_handler& handler,
                                                                   const http2_limits& limits, const http2_clock& clock) {
  return std::unique_ptr<http2_server_session>(new http2_server_session(config, handler, limits, clock));
}

http2_server_session::http2_server_session(const http2_config& config, http2_stream_handler& handler,
                                           const http2_limits& limits, const http2_clock& clock)
    : config_(config), handler_(handler), limits_(limits), clock_(clock), guard_(config_.flood, clock_()) {
  const std::pair<std::uint16_t, std::uint32_t> settings[] = {
      {h2::max_concurrent_streams, config.max_concurrent_streams},
      {h2::initial_window_size, config.initial_window_size},
      {h2::max_frame_size, config.max_frame_size},
      {h2::header_table_size, config.header_table_size},
      {h2::max_header_list_size, static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_head, 0xffffffffu))},
      {h2::no_rfc7540_priorities, 1},
  };
  char payload[sizeof settings / sizeof settings[0] * 6];
  char* at = payload;
  for (const auto& [id, value] : settings) {
    at[0] = static_cast<char>(id >> 8);
    at[1] = static_cast<char>(id);
    h2::write_u32(at + 2, value);
    at += 6;
  }
  queue_frame(h2::settings, 0, 0, std::string_view(payload, sizeof payload));
  // The connection window follows a larger stream window, so one upload can use it all.
  if (config.initial_window_size > h2::default_window) {
    connection_window_size_ = config.initial_window_size;
    connection_receive_window_ = config.initial_window_size;
    queue_window_update(0, config.initial_window_size - h2::default_window);
  }
}

// ---- receiving ----

bool http2_server_session::receive(std::span<const char> bytes) {
  if (terminated()) return false;
  traffic& w = work();
  w.receive_time.reset();
  if (w.input.empty()) {
    const std::size_t used = consume(bytes);
    if (!terminated() && used < bytes.size()) w.input.assign(bytes.data() + used, bytes.size() - used);
  } else {
    w.input.append(bytes.data(), bytes.size());
    const std::size_t used = consume(w.input);
    w.input.erase(0, used);
  }
  if (terminated()) w.input.clear();
  track_header_block();
  w.receive_time.reset();
  return wants_read();
}

std::chrono::steady_clock::time_point http2_server_session::receive_time() {
  std::optional<std::chrono::steady_clock::time_point>& time = work().receive_time;
  if (!time) time = clock_();
  return *time;
}

std::size_t http2_server_session::consume(std::span<const char> bytes) {
  std::size_t at = 0;
  if (preface_left_ > 0) {
    const std::size_t offset = h2::client_preface.size() - preface_left_;
    const std::size_t n = std::min<std::size_t>(preface_left_, bytes.size());
    if (std::memcmp(bytes.data(), h2::client_preface.data() + offset, n) != 0) {
      terminate(h2::protocol_error);
      return bytes.size();
    }
    preface_left_ -= static_cast<std::uint32_t>(n);
    at = n;
  }
  while (preface_left_ == 0 && !terminated()) {
    const std::span<const char> rest = bytes.subspan(at);
    // A HEADERS frame counts as begun once its type is known: the header block clock runs.
    if (rest.size() > 3 && static_cast<std::uint8_t>(rest[3]) == h2::headers && !partial_headers_counted_) {
      ++blocks_begun_;
      partial_headers_counted_ = true;
    }
    if (rest.size() < h2::frame_header_size) break;
    const h2::frame_header header = h2::read_frame_header(rest.data());
    if (check_frame_header(header) == outcome::stop) return bytes.size();
    if (rest.size() - h2::frame_header_size < header.length) break;
    partial_headers_counted_ = false;
    at += h2::frame_header_size + header.length;
    if (on_frame(header, rest.subspan(h2::frame_header_size, header.length)) == outcome::stop) return bytes.size();
  }
  return at;
}

http2_server_session::outcome http2_server_session::check_frame_header(const h2::frame_header& header) {
  // Known before the payload arrives, so an oversized frame is never buffered.
  if (header.length > config_.max_frame_size) return terminate(h2::frame_size_error);
  // §6.10: nothing may come between a header block's frames.
  const std::optional<header_block>& block = work().block;
  if (block && (header.type != h2::continuation || header.stream_id != block->stream_id)) {
    return terminate(h2::protocol_error);
  }
  if (!block && header.type == h2::continuation) return terminate(h2::protocol_error);
  // §3.4: the preface ends with the client's SETTINGS.
  if (!settings_received_ && (header.type != h2::settings || has(header.flags, h2::flag::ack))) {
    return terminate(h2::protocol_error);
  }
  return outcome::go_on;
}

http2_server_session::outcome http2_server_session::on_frame(const h2::frame_header& header,
                                                             std::span<const char> payload) {
  switch (header.type) {
    case h2::data: return on_data(header, payload);
    case h2::headers: return on_headers(header, payload);
    case h2::priority: return on_priority(header, payload);
    case h2::rst_stream: return on_rst_stream(header, payload);
    case h2::settings: return on_settings(header, payload);
    case h2::push_promise: return terminate(h2::protocol_error);  // §8.4: clients never push
    case h2::ping: return on_ping(header, payload);
    case h2::goaway: return on_goaway(header, payload);
    case h2::window_update: return on_window_update(header, payload);
    case h2::continuation: return on_continuation(header, payload);
    default: return outcome::go_on;  // §5.5: unknown types are ignored
  }
}

bool http2_server_session::unpad(const h2::frame_header& header, std::span<const char>& payload) {
  if (!has(header.flags, h2::flag::padded)) return true;
  if (payload.empty()) return false;
  const auto padding = static_cast<std::uint8_t>(payload[0]);
  payload = payload.subspan(1);
  if (padding > payload.size()) return false;
  payload = payload.first(payload.size() - padding);
  return true;
}

http2_server_session::outcome http2_server_session::on_data(const h2::frame_header& header,
                                                            std::span<const char> payload) {
  const std::int32_t id = header.stream_id;
  if (id == 0) return terminate(h2::protocol_error);
  const bool end_stream = has(header.flags, h2::flag::end_stream);
  if (header.length == 0 && !end_stream && !count(flood_kind::empty_frame)) return outcome::stop;
  // §6.9.1: the whole payload, padding included, counts against the windows.
  if (header.length > connection_receive_window_) return terminate(h2::flow_control_error);
  connection_receive_window_ -= header.length;
  if (!unpad(header, payload)) return terminate(h2::protocol_error);

  stream* s = find(id);
  if (s == nullptr) {
    replenish(nullptr, header.length);
    if (!client_stream_id(id) || id > highest_client_stream_) return terminate(h2::protocol_error);  // idle
    const std::uint32_t error = closed_stream_error(h2::data, id);
    return error != 0 ? terminate(error) : outcome::go_on;
  }
  if (s->state.remote_closed) return terminate(h2::stream_closed);
  // Before our SETTINGS are acknowledged the client may still count on the default window.
  const std::int64_t allowance =
      settings_acknowledged_ ? 0 : std::max<std::int64_t>(0, h2::default_window - std::int64_t{config_.initial_window_size});
  if (header.length > s->receive_window + allowance) {
    replenish(nullptr, header.length);
    reset_stream(*s, h2::flow_control_error);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  s->receive_window -= header.length;
  if (!s->state.add_body_bytes(payload.size()) && !s->state.responded) answer(*s, 413);
  const std::optional<std::uint64_t> declared = s->check.content_length();
  if (declared && s->state.body_received() > *declared) {  // §8.1.1
    replenish(nullptr, header.length);
    reset_stream(*s, h2::protocol_error);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  if (end_stream) s->state.remote_closed = true;
  replenish(s, header.length);
  return end_stream ? end_of_request(*s) : outcome::go_on;
}

void http2_server_session::release_block_buffer() {
  // A large block's room is given back; a usual one's is kept for the next.
  std::string& buffer = work().block_buffer;
  if (buffer.capacity() > 2 * h2::default_max_frame_size) {
    std::string().swap(buffer);
  } else {
    buffer.clear();
  }
}

void http2_server_session::replenish(stream* s, std::uint32_t consumed) {
  // The body is discarded as it arrives: the window is given back once half of it is used,
  // like nghttp2 does, so a client uploading is never stalled by us.
  connection_unacknowledged_ += consumed;
  if (connection_unacknowledged_ > 0 && connection_unacknowledged_ >= connection_window_size_ / 2) {
    queue_window_update(0, connection_unacknowledged_);
    connection_receive_window_ += connection_unacknowledged_;
    connection_unacknowledged_ = 0;
  }
  if (s == nullptr || s->state.remote_closed) return;
  s->unacknowledged += consumed;
  if (s->unacknowledged > 0 && s->unacknowledged >= config_.initial_window_size / 2) {
    queue_window_update(s->state.id(), s->unacknowledged);
    s->receive_window += s->unacknowledged;
    s->unacknowledged = 0;
  }
}

http2_server_session::outcome http2_server_session::on_headers(const h2::frame_header& header,
                                                               std::span<const char> payload) {
  const std::int32_t id = header.stream_id;
  if (!client_stream_id(id)) return terminate(h2::protocol_error);
  if (!unpad(header, payload)) return terminate(h2::protocol_error);
  bool depends_on_itself = false;
  if (has(header.flags, h2::flag::priority)) {
    if (payload.size() < 5) return terminate(h2::frame_size_error);
    depends_on_itself = static_cast<std::int32_t>(h2::read_u32(payload.data()) & 0x7fffffffu) == id;
    payload = payload.subspan(5);
  }
  if (header.length == 0 && !count(flood_kind::empty_frame)) return outcome::stop;
  const bool end_stream = has(header.flags, h2::flag::end_stream);

  header_block::purpose use = header_block::purpose::ignored;
  if (stream* s = find(id); s != nullptr) {
    if (s->state.remote_closed) return terminate(h2::stream_closed);
    use = header_block::purpose::trailers;
  } else if (id > highest_client_stream_) {
    const std::int32_t previous = highest_client_stream_;
    highest_client_stream_ = id;
    if (goaway_error_) {
      // After our graceful GOAWAY: ignored, as announced (its block still updates HPACK).
    } else if (work().stream_ids.size() >= config_.max_concurrent_streams) {
      // §5.1.2: over the limit we announced. Once the client has acknowledged it, that is its
      // error; before, it may not have known: the stream is refused.
      if (settings_acknowledged_) return terminate(h2::protocol_error, previous);
      queue_reset(id, h2::refused_stream);
      remember_closed(id, end_stream);
      if (!count(flood_kind::provoked_reset)) return outcome::stop;
    } else {
      open_stream(id);
      use = header_block::purpose::request;
    }
  } else if (const std::uint32_t error = closed_stream_error(h2::headers, id); error != 0) {
    return terminate(error);
  }
  header_block& block = work().block.emplace(header_block{id, use, end_stream});
  // §5.3.1: a stream depending on itself is a stream error; the block is decoded first.
  block.malformed = depends_on_itself;
  return decode_fragment(payload, has(header.flags, h2::flag::end_headers));
}

http2_server_session::outcome http2_server_session::on_continuation(const h2::frame_header& header,
                                                                    std::span<const char> payload) {
  if (header.length == 0 && !count(flood_kind::empty_frame)) return outcome::stop;
  // CVE-2024-27316: a block in endless pieces would hold the connection and our memory.
  if (++work().block->continuations > config_.flood.max_continuations) return terminate(h2::enhance_your_calm);
  return decode_fragment(payload, has(header.flags, h2::flag::end_headers));
}

http2_server_session::outcome http2_server_session::decode_fragment(std::span<const char> fragment, bool last) {
  // A block in several frames is decoded once it is complete (the frames' count and size are
  // bounded: max_continuations, our max_frame_size).
  traffic& w = work();
  if (!last || !w.block_buffer.empty()) {
    w.block_buffer.append(fragment.data(), fragment.size());
    if (!last) return outcome::go_on;
    fragment = w.block_buffer;
  }
  decoder_.begin(fragment);
  std::string_view name;
  std::string_view value;
  header_block& b = *w.block;
  stream* s = b.use == header_block::purpose::ignored ? nullptr : find(b.stream_id);
  for (;;) {
    switch (decoder_.next(name, value)) {
      case hpack_decoder::step::error: return terminate(h2::compression_error);
      case hpack_decoder::step::block_end: {
        release_block_buffer();
        return finish_block();
      }
      case hpack_decoder::step::field: break;
    }
    if (s == nullptr || b.malformed || b.too_large) continue;
    if (b.use == header_block::purpose::request) {
      // A field the client sends by index on every request is judged once per connection.
      const bool checked_before = decoder_.last_checked();
      if (!s->check.field(name, value, checked_before)) {
        b.malformed = true;
        continue;
      }
      if (!checked_before) decoder_.mark_checked();
      if (!s->state.add_field(name, value)) b.too_large = true;
    } else if (!request_head_check::trailer_field(name, value)) {
      b.malformed = true;
    } else if (!s->state.add_trailer_field(name, value)) {
      b.too_large = true;
    }
  }
}

http2_server_session::outcome http2_server_session::finish_block() {
  std::optional<header_block>& block = work().block;
  const header_block b = *block;
  block.reset();
  stream* s = find(b.stream_id);
  if (b.use == header_block::purpose::ignored || s == nullptr) return outcome::go_on;
  // An HPACK bomb or a head far over the limits: the client's doing.
  if (b.too_large) {
    reset_stream(*s, h2::enhance_your_calm);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  // §8.1: trailers end the stream.
  const bool malformed = b.malformed || (b.use == header_block::purpose::trailers ? !b.end_stream : !s->check.complete());
  if (malformed) {
    reset_stream(*s, h2::protocol_error);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  if (b.use == header_block::purpose::trailers) {
    s->state.remote_closed = true;
    return end_of_request(*s);
  }
  return finish_request_head(*s, b.end_stream);
}

http2_server_session::outcome http2_server_session::finish_request_head(stream& s, bool end_stream) {
  s.state.head_completed_at = receive_time();
  last_complete_head_ = std::max(last_complete_head_, s.state.id());
  if (end_stream) s.state.remote_closed = true;
  switch (s.state.finish_head()) {
    case head_problem::too_large: answer(s, 431); return outcome::go_on;
    case head_problem::uri_too_long: answer(s, 414); return outcome::go_on;
    case head_problem::authority_differs:
      reset_stream(s, h2::protocol_error);
      return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
    case head_problem::none: break;
  }
  // A declared length over the limit is refused before any of the body arrives.
  const std::optional<std::uint64_t> declared = s.check.content_length();
  if (!end_stream && declared && *declared > s.state.max_body_size()) {
    answer(s, 413);
    return outcome::go_on;
  }
  return end_stream ? end_of_request(s) : outcome::go_on;
}

http2_server_session::outcome http2_server_session::end_of_request(stream& s) {
  const std::optional<std::uint64_t> declared = s.check.content_length();
  if (declared && s.state.body_received() != *declared && !s.state.responded) {  // §8.1.1
    reset_stream(s, h2::protocol_error);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  if (s.state.head_done && !s.state.responded && !s.state.delivered) deliver(s);
  return outcome::go_on;
}

std::uint32_t http2_server_session::closed_stream_error(std::uint8_t type, std::int32_t stream_id) const {
  // Streams above our graceful GOAWAY's last id are ignored, as announced.
  if (goaway_error_ && stream_id > goaway_last_stream_) return 0;
  // One we closed while the client was still sending: what it sent before it saw our
  // RST_STREAM (or our END_STREAM and RST_STREAM NO_ERROR) is ignored, RFC 9113 §5.1.
  const std::optional<bool> by_client = closed_by_client(stream_id);
  if (by_client && !*by_client) return 0;
  // The client closed it (END_STREAM or RST_STREAM), it was skipped (implicitly closed by a
  // higher id, §5.1.1), or it closed too long ago to tell. DATA on a closed stream is
  // STREAM_CLOSED (§6.1); HEADERS on a stream the client closed too (§5.1), otherwise it is a
  // new stream with an id not above all those used, PROTOCOL_ERROR (§5.1.1).
  if (type == h2::data) return h2::stream_closed;
  return by_client ? h2::stream_closed : h2::protocol_error;
}

http2_server_session::outcome http2_server_session::on_priority(const h2::frame_header& header,
                                                                std::span<const char> payload) {
  const std::int32_t id = header.stream_id;
  if (id == 0) return terminate(h2::protocol_error);
  if (header.length != 5) return terminate(h2::frame_size_error);
  if (!count(flood_kind::priority)) return outcome::stop;
  // RFC 9113 §5.3.1: a stream depending on itself is a stream error PROTOCOL_ERROR. A stream
  // that is not open (idle or closed) cannot be reset (§6.4 forbids RST_STREAM on an idle
  // stream): the error is taken to the connection, as §5.4.1 allows.
  if (static_cast<std::int32_t>(h2::read_u32(payload.data()) & 0x7fffffffu) != id) return outcome::go_on;
  stream* s = find(id);
  if (s == nullptr) return terminate(h2::protocol_error);
  reset_stream(*s, h2::protocol_error);
  return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
}

http2_server_session::outcome http2_server_session::on_rst_stream(const h2::frame_header& header,
                                                                  std::span<const char>) {
  const std::int32_t id = header.stream_id;
  if (id == 0) return terminate(h2::protocol_error);
  if (header.length != 4) return terminate(h2::frame_size_error);
  if (!client_stream_id(id) || id > highest_client_stream_) return terminate(h2::protocol_error);  // idle
  if (!count(flood_kind::client_reset)) return outcome::stop;
  stream* s = find(id);
  if (s == nullptr) return outcome::go_on;
  s->state.client_reset = true;
  close_stream(id, false);
  return outcome::go_on;
}

http2_server_session::outcome http2_server_session::on_settings(const h2::frame_header& header,
                                                                std::span<const char> payload) {
  if (header.stream_id != 0) return terminate(h2::protocol_error);
  if (has(header.flags, h2::flag::ack)) {
    if (header.length != 0) return terminate(h2::frame_size_error);
    if (!settings_acknowledged_) {
      settings_acknowledged_ = true;
      decoder_.set_table_limit(config_.header_table_size);
    }
    return outcome::go_on;
  }
  if (header.length % 6 != 0) return terminate(h2::frame_size_error);
  if (!count(flood_kind::control_frame)) return outcome::stop;
  if (header.length / 6 > config_.flood.max_settings_entries) return terminate(h2::enhance_your_calm);
  settings_received_ = true;
  for (std::size_t at = 0; at < payload.size(); at += 6) {
    const auto id = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[at]) << 8) |
                                               static_cast<unsigned char>(payload[at + 1]));
    const std::uint32_t value = h2::read_u32(payload.data() + at + 2);
    switch (id) {
      case h2::header_table_size: encoder_.set_peer_table_size(value); break;
      case h2::enable_push:
        if (value > 1) return terminate(h2::protocol_error);
        break;
      case h2::initial_window_size: {
        if (value > h2::largest_window) return terminate(h2::flow_control_error);
        // §6.9.2: every stream's window moves by the difference; past 2^31-1 is an error.
        const std::int64_t delta = std::int64_t{value} - peer_initial_window_;
        const auto& streams = work().streams;
        for (const auto& s : streams) {
          if (s->send_window + delta > h2::largest_window) return terminate(h2::flow_control_error);
        }
        for (const auto& s : streams) s->send_window += delta;
        peer_initial_window_ = value;
        break;
      }
      case h2::max_frame_size:
        if (value < h2::default_max_frame_size || value > h2::largest_frame_size) return terminate(h2::protocol_error);
        peer_max_frame_ = value;
        break;
      default: break;  // §6.5.2: unknown settings are ignored
    }
  }
  queue_frame(h2::settings, h2::flag::ack, 0, {});
  // CVE-2019-9512/9515: acknowledgements a client does not read pile up in our output.
  if (++acks_in_output_ > config_.flood.max_queued_acks) return terminate(h2::enhance_your_calm);
  return outcome::go_on;
}

http2_server_session::outcome http2_server_session::on_ping(const h2::frame_header& header,
                                                            std::span<const char> payload) {
  if (header.stream_id != 0) return terminate(h2::protocol_error);
  if (header.length != 8) return terminate(h2::frame_size_error);
  if (has(header.flags, h2::flag::ack)) return outcome::go_on;
  if (!count(flood_kind::control_frame)) return outcome::stop;
  queue_frame(h2::ping, h2::flag::ack, 0, std::string_view(payload.data(), payload.size()));
  if (++acks_in_output_ > config_.flood.max_queued_acks) return terminate(h2::enhance_your_calm);
  return outcome::go_on;
}

http2_server_session::outcome http2_server_session::on_goaway(const h2::frame_header& header,
                                                              std::span<const char>) {
  if (header.stream_id != 0) return terminate(h2::protocol_error);
  if (header.length < 8) return terminate(h2::frame_size_error);
  // We open no streams, so none is cut off; the client's streams finish.
  goaway_received_ = true;
  return outcome::go_on;
}

http2_server_session::outcome http2_server_session::on_window_update(const h2::frame_header& header,
                                                                     std::span<const char> payload) {
  const std::int32_t id = header.stream_id;
  if (header.length != 4) return terminate(h2::frame_size_error);
  if (!count(flood_kind::window_update)) return outcome::stop;
  const std::uint32_t increment = h2::read_u32(payload.data()) & 0x7fffffffu;
  if (id == 0) {
    if (increment == 0) return terminate(h2::protocol_error);
    if (connection_send_window_ + increment > h2::largest_window) return terminate(h2::flow_control_error);
    connection_send_window_ += increment;
    return outcome::go_on;
  }
  if (!client_stream_id(id) || id > highest_client_stream_) return terminate(h2::protocol_error);  // idle
  stream* s = find(id);
  if (s == nullptr) return outcome::go_on;
  // CVE-2025-8671: a zero increment on an open stream would be a reset the client provokes at
  // will; like Debian's nghttp2, it ends the connection.
  if (increment == 0) return terminate(h2::protocol_error);
  if (s->send_window + increment > h2::largest_window) {
    reset_stream(*s, h2::flow_control_error);
    return count(flood_kind::provoked_reset) ? outcome::go_on : outcome::stop;
  }
  s->send_window += increment;
  return outcome::go_on;
}

// ---- sending ----

void http2_server_session::queue_frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream_id,
                                       std::string_view payload) {
  output_buffer& output = work().output;
  queued_frames_spare.lend(output);
  h2::append_frame_header(output, static_cast<std::uint32_t>(payload.size()), type, flags, stream_id);
  output.append(payload);
}

void http2_server_session::queue_window_update(std::int32_t stream_id, std::uint32_t increment) {
  char payload[4];
  h2::write_u32(payload, increment);
  queue_frame(h2::window_update, 0, stream_id, std::string_view(payload, 4));
}

void http2_server_session::queue_reset(std::int32_t stream_id, std::uint32_t error_code) {
  char payload[4];
  h2::write_u32(payload, error_code);
  queue_frame(h2::rst_stream, 0, stream_id, std::string_view(payload, 4));
}

void http2_server_session::queue_headers(std::int32_t stream_id, const http2_response_head& head, bool end_stream) {
  output_buffer& output = work().output;
  queued_frames_spare.lend(output);
  const std::size_t at = output.size();
  output.extend(h2::frame_header_size);  // written below, once the block's size is known
  encoder_.encode(head, output);
  const std::size_t size = output.size() - at - h2::frame_header_size;
  const std::uint8_t end = end_stream ? h2::flag::end_stream : 0;
  if (size <= peer_max_frame_) {
    h2::write_frame_header(output.data() + at, static_cast<std::uint32_t>(size), h2::headers,
                           end | h2::flag::end_headers, stream_id);
    return;
  }
  // Larger than the client's frames: HEADERS and CONTINUATION frames, back to back (§4.3).
  const std::string block(output.view().substr(at + h2::frame_header_size));
  output.truncate(at);
  for (std::size_t offset = 0; offset < block.size(); offset += peer_max_frame_) {
    const std::size_t n = std::min<std::size_t>(peer_max_frame_, block.size() - offset);
    const bool last = offset + n == block.size();
    h2::append_frame_header(output, static_cast<std::uint32_t>(n), offset == 0 ? h2::headers : h2::continuation,
                            static_cast<std::uint8_t>((offset == 0 ? end : 0) | (last ? h2::flag::end_headers : 0)),
                            stream_id);
    output.append(std::string_view(block).substr(offset, n));
  }
}

void http2_server_session::respond(std::int32_t stream_id, const http2_response_head& head, http2_body_source* body) {
  stream* s = find(stream_id);
  if (s == nullptr || !s->state.delivered || s->state.responded || terminated()) return;
  s->state.responded = true;
  s->state.body = body;
  s->body_left = head.content_length;
  queue_headers(stream_id, head, body == nullptr);
  if (body == nullptr) {
    work().ended_in_output.push_back(stream_id);
  } else {
    s->sending = true;
    work().sending.push_back(stream_id);
  }
}

void http2_server_session::answer(stream& s, int status) {
  s.state.responded = true;
  s.state.answered_by_session = true;
  queue_headers(s.state.id(), {status, {}, std::nullopt, {}}, true);
  work().ended_in_output.push_back(s.state.id());
}

void http2_server_session::deliver(stream& s) {
  s.state.delivered = true;
  handler_.on_request(s.state.id(), s.state.req());
}

void http2_server_session::resume(std::int32_t stream_id) {
  stream* s = find(stream_id);
  if (s == nullptr || s->state.body == nullptr || !s->deferred || terminated()) return;
  s->deferred = false;
  if (!s->sending) {
    s->sending = true;
    work().sending.push_back(stream_id);
  }
}

bool http2_server_session::can_send_data(const stream& s) const {
  if (s.deferred || s.state.body == nullptr) return false;
  if (s.body_left && *s.body_left == 0) return true;  // only END_STREAM is left, which needs no window
  return s.send_window > 0 && connection_send_window_ > 0;
}

http2_server_session::sent http2_server_session::send_data(stream& s, output_buffer& out) {
  if (!can_send_data(s)) return sent::nothing;
  std::int64_t room = std::min({s.send_window, connection_send_window_, std::int64_t{peer_max_frame_}});
  // The declared length bounds the read, so a small body does not make room for a full frame.
  if (s.body_left) room = std::min<std::int64_t>(room, static_cast<std::int64_t>(*s.body_left));
  room = std::max<std::int64_t>(room, 0);
  const std::size_t at = out.size();
  char* frame = out.extend(h2::frame_header_size + static_cast<std::size_t>(room));
  bool eof = false;
  const std::ptrdiff_t got =
      s.state.body->read(std::span<char>(frame + h2::frame_header_size, static_cast<std::size_t>(room)), eof);
  if (got == http2_body_source::deferred) {
    out.truncate(at);
    s.deferred = true;
    return sent::nothing;
  }
  // A read error, a source that claims more than it was given, or one that has nothing left
  // before its end (a file truncated under us, or longer than it said) all reset the stream.
  if (got < 0 || got > room || (got == 0 && !eof)) {
    out.truncate(at);
    reset_stream(s, h2::internal_error);
    return sent::closed;
  }
  out.truncate(at + h2::frame_header_size + static_cast<std::size_t>(got));
  h2::write_frame_header(frame, static_cast<std::uint32_t>(got), h2::data, eof ? h2::flag::end_stream : 0,
                         s.state.id());
  s.send_window -= got;
  connection_send_window_ -= got;
  if (s.body_left) *s.body_left -= std::min<std::uint64_t>(*s.body_left, static_cast<std::uint64_t>(got));
  s.state.body_bytes_sent += static_cast<std::uint64_t>(got);
  guard_.data_frame_sent();
  if (!eof) return sent::frame;
  finish_response(s, out);
  return sent::finished;
}

void http2_server_session::finish_response(stream& s, output_buffer& out) {
  s.state.response_complete = true;
  // RFC 9113 §8.1: the response is complete before the request; ask the client to stop
  // sending it, without error.
  if (!s.state.remote_closed) {
    char payload[4];
    h2::write_u32(payload, h2::no_error);
    h2::append_frame_header(out, 4, h2::rst_stream, 0, s.state.id());
    out.append(std::string_view(payload, 4));
  }
  close_stream(s.state.id(), true);
}

void http2_server_session::flush_output(output_buffer& out) {
  // Finishing a response may make the handler answer another stream: its HEADERS, queued
  // meanwhile, go out here too, before produce() can send that stream's DATA.
  traffic& w = work();
  while (!w.output.empty()) {
    out.append(w.output.view());
    w.output.clear();
    acks_in_output_ = 0;
    if (goaway_in_output_) {
      goaway_in_output_ = false;
      goaway_sent_ = true;
    }
    // Streams whose response ended with the HEADERS frame just produced. Finishing one may
    // respond on others (their ids join a new list); the list's memory comes back when not.
    std::vector<std::int32_t> ended;
    ended.swap(w.ended_in_output);
    for (const std::int32_t id : ended) {
      if (stream* s = find(id); s != nullptr) finish_response(*s, out);
    }
    if (w.ended_in_output.empty()) {
      ended.clear();
      w.ended_in_output.swap(ended);
    }
  }
  if (w.output.capacity() != 0) queued_frames_spare.take_back(w.output);
}

void http2_server_session::produce(output_buffer& out, std::size_t max) {
  const std::size_t start = out.size();
  flush_output(out);
  if (terminated()) return;
  // Round robin over the streams with a body: a frame each per pass.
  bool progress = true;
  while (progress && out.size() - start < max) {
    progress = false;
    std::vector<std::int32_t>& sending = work().sending;
    for (std::size_t i = 0; i < sending.size() && out.size() - start < max;) {
      stream* s = find(sending[i]);
      if (s == nullptr || s->deferred) {
        if (s != nullptr) s->sending = false;
        sending.erase(sending.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      switch (send_data(*s, out)) {
        case sent::frame: progress = true; ++i; break;
        case sent::nothing: ++i; break;
        case sent::finished:
        case sent::closed: progress = true; break;  // close_stream took it out of sending
      }
      // What the handler queued meanwhile (new responses' HEADERS) goes before their DATA.
      flush_output(out);
      if (terminated()) return;
    }
  }
}

bool http2_server_session::wants_write() const {
  // A connection error's GOAWAY may follow a graceful one already sent: it is still written.
  if (!work_) return false;
  if (!work_->output.empty()) return true;
  if (terminated()) return false;
  return std::any_of(work_->streams.begin(), work_->streams.end(),
                     [this](const std::unique_ptr<stream>& s) { return s->sending && can_send_data(*s); });
}

bool http2_server_session::wants_read() const {
  if (terminated()) return false;
  if (work_ && !work_->stream_ids.empty()) return true;
  // No stream left: done once our GOAWAY is out or the client said it is leaving.
  return !goaway_sent_ && !goaway_received_;
}

// ---- streams ----

http2_server_session::stream* http2_server_session::find(std::int32_t stream_id) {
  if (!work_) return nullptr;
  const std::size_t at = work_->stream_ids.find(stream_id);
  return at == stream_positions::none ? nullptr : work_->streams[at].get();
}

http2_server_session::stream& http2_server_session::open_stream(std::int32_t stream_id) {
  const std::int64_t receive_window = config_.initial_window_size;
  traffic& w = work();
  auto& spares = spare_streams();
  if (spares.empty()) {
    w.streams.push_back(std::make_unique<stream>(stream_id, limits_, peer_initial_window_, receive_window));
  } else {
    w.streams.push_back(std::move(spares.back()));
    spares.pop_back();
    w.streams.back()->reset(stream_id, limits_, peer_initial_window_, receive_window);
  }
  w.stream_ids.push_back(stream_id);
  return *w.streams.back();
}

void http2_server_session::reset_stream(stream& s, std::uint32_t error_code) {
  queue_reset(s.state.id(), error_code);
  close_stream(s.state.id(), false);
}

void http2_server_session::close_stream(std::int32_t stream_id, bool response_complete) {
  if (!work_) return;
  traffic& w = *work_;
  const std::size_t at = w.stream_ids.find(stream_id);
  if (at == stream_positions::none) return;
  // Taken out first: the handler may call respond() for this id, which must find nothing.
  std::unique_ptr<stream> s = std::move(w.streams[at]);
  w.streams[at] = std::move(w.streams.back());
  w.streams.pop_back();
  w.stream_ids.remove_at(at);
  remember_closed(stream_id, s->state.remote_closed || s->state.client_reset);
  if (s->sending) std::erase(w.sending, stream_id);
  handler_.on_stream_closed(stream_id, response_complete, s->state.body_bytes_sent);
  auto& spares = spare_streams();
  if (spares.size() < max_spare_streams && s->state.retained_bytes() <= max_spare_stream_bytes) {
    spares.push_back(std::move(s));
  }
}

std::vector<std::unique_ptr<http2_server_session::stream>>& http2_server_session::spare_streams() {
  thread_local std::vector<std::unique_ptr<stream>> spares;
  return spares;
}

void http2_server_session::remember_closed(std::int32_t stream_id, bool client_done) {
  if (!client_stream_id(stream_id)) return;
  traffic& w = work();
  const std::uint32_t entry = static_cast<std::uint32_t>(stream_id) | (client_done ? closed_by_client_bit : 0u);
  if (w.closed.size() < max_closed) {
    w.closed.push_back(entry);  // next_closed stays 0, where the oldest is
  } else {
    w.closed[w.next_closed] = entry;
    w.next_closed = (w.next_closed + 1) % max_closed;
  }
}

std::optional<bool> http2_server_session::closed_by_client(std::int32_t stream_id) const {
  if (!work_) return std::nullopt;
  const std::vector<std::uint32_t>& ring = work_->closed;
  // Newest first: an id is recorded once per closing, but a refused stream may be seen twice.
  for (std::size_t n = 1; n <= ring.size(); ++n) {
    const std::uint32_t entry = ring[(work_->next_closed + ring.size() - n) % ring.size()];
    if ((entry & ~closed_by_client_bit) == static_cast<std::uint32_t>(stream_id)) {
      return (entry & closed_by_client_bit) != 0;
    }
  }
  return std::nullopt;
}

// ---- the connection ----

http2_server_session::outcome http2_server_session::terminate(std::uint32_t error_code) {
  return terminate(error_code, highest_client_stream_);
}

http2_server_session::outcome http2_server_session::terminate(std::uint32_t error_code, std::int32_t last_stream) {
  if (terminated()) return outcome::stop;
  // §6.8: after our graceful GOAWAY the last stream id may not grow (later streams were ignored).
  if (goaway_error_) last_stream = std::min(last_stream, goaway_last_stream_);
  goaway_error_ = error_code == h2::no_error ? h2::internal_error : error_code;
  goaway_last_stream_ = last_stream;
  char payload[8];
  h2::write_u32(payload, static_cast<std::uint32_t>(last_stream));
  h2::write_u32(payload + 4, error_code);
  queue_frame(h2::goaway, 0, 0, std::string_view(payload, 8));
  goaway_in_output_ = true;
  work().block.reset();
  release_block_buffer();
  return outcome::stop;
}

void http2_server_session::shutdown() {
  if (goaway_error_) return;
  goaway_error_ = h2::no_error;
  goaway_last_stream_ = highest_client_stream_;
  char payload[8];
  h2::write_u32(payload, static_cast<std::uint32_t>(goaway_last_stream_));
  h2::write_u32(payload + 4, h2::no_error);
  queue_frame(h2::goaway, 0, 0, std::string_view(payload, 8));
  goaway_in_output_ = true;
}

bool http2_server_session::count(flood_kind kind) {
  if (flood_ || guard_.count(kind, clock_())) return !flood_;
  flood_ = kind;
  terminate(h2::enhance_your_calm);
  return false;
}

void http2_server_session::track_header_block() {
  traffic& w = work();
  const std::string& input = w.input;
  const bool partial_block_frame =
      input.size() > 3 && preface_left_ == 0 &&
      (static_cast<std::uint8_t>(input[3]) == h2::headers || static_cast<std::uint8_t>(input[3]) == h2::continuation);
  if (!w.block && !partial_block_frame) {
    w.block_started.reset();
    return;
  }
  // A block begun since the clock started is a new one: its own time counts.
  if (!w.block_started || block_serial_ != blocks_begun_) {
    w.block_started = clock_();
    block_serial_ = blocks_begun_;
  }
}

void http2_server_session::check_deadlines(std::chrono::steady_clock::time_point now) {
  if (terminated() || !work_) return;
  traffic& w = *work_;
  if (w.block_started && now - *w.block_started >= limits_.head_timeout) {
    // Nothing else can arrive before the block ends, and the stream cannot be answered on its
    // own while HPACK decoding is half done: the connection ends. Streams from the stalled one
    // on were not processed (the client may retry them elsewhere).
    terminate(h2::enhance_your_calm, last_complete_head_);
    w.input.clear();
    return;
  }
  for (const auto& s : w.streams) {
    if (s->state.head_done && !s->state.remote_closed && !s->state.responded &&
        now - s->state.head_completed_at >= limits_.body_timeout) {
      // 408 ends our side; then RST_STREAM NO_ERROR asks the client to stop.
      answer(*s, 408);
    }
  }
}

bool http2_server_session::at_rest() const {
  return !work_ || (work_->streams.empty() && work_->output.empty() && work_->input.empty() && !work_->block);
}

void http2_server_session::release_idle_memory() {
  if (!at_rest()) return;
  encoder_.forget_heads();
  encoder_.forget_table();
  work_.reset();
}

std::size_t http2_server_session::memory_in_use() const {
  std::size_t bytes = encoder_.table_memory() + encoder_.heads_memory() + decoder_.table_memory();
  if (work_) {
    const traffic& w = *work_;
    bytes += sizeof(traffic) + w.input.capacity() + w.output.capacity() + w.block_buffer.capacity();
    bytes += w.streams.size() * (sizeof(stream) + 64) + w.sending.capacity() * sizeof(std::int32_t);
    bytes += w.closed.capacity() * sizeof(std::uint32_t);
  }
  return bytes;
}

}  // namespace ferry
