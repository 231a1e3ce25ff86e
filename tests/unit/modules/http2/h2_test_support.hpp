// Test support for the HTTP/2 session: a recording stream handler, body sources, a fake
// clock, a real nghttp2 client pumping bytes through memory, and hand-built raw frames.
#pragma once

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/http2/http2_config.hpp"
#include "modules/http2/server_session.hpp"
#include "modules/http2_protocol.hpp"

namespace ferry::h2test {

struct recorded_request {
  http_method method = http_method::get;
  std::string method_name, target, path, query, authority;
  bool has_query = false;
  int version_major = 0, version_minor = 0;
  bool keep_alive = false;
  std::uint64_t content_length = 0;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct closed_stream {
  int calls = 0;
  bool response_complete = false;
  std::uint64_t body_bytes = 0;
};

// A body from memory, handed out in pieces of at most `piece` bytes; with `eof_apart` the end
// is reported by a separate 0-byte read.
class memory_body : public http2_body_source {
 public:
  explicit memory_body(std::string data, std::size_t piece = SIZE_MAX, bool eof_apart = false)
      : data_(std::move(data)), piece_(piece), eof_apart_(eof_apart) {}
  std::ptrdiff_t read(std::span<char> into, bool& eof) override {
    ++reads;
    largest_request = std::max(largest_request, into.size());
    if (fail_at && position_ >= *fail_at) return -1;
    const std::size_t n = std::min({into.size(), piece_, data_.size() - position_});
    std::copy_n(data_.data() + position_, n, into.data());
    position_ += n;
    eof = position_ == data_.size() && (!eof_apart_ || n == 0);
    return static_cast<std::ptrdiff_t>(n);
  }
  std::optional<std::size_t> fail_at;
  int reads = 0;
  std::size_t largest_request = 0;

 private:
  std::string data_;
  std::size_t piece_;
  bool eof_apart_;
  std::size_t position_ = 0;
};

class recording_handler : public http2_stream_handler {
 public:
  void on_request(std::int32_t stream_id, const request& req) override {
    recorded_request r;
    r.method = req.method;
    r.method_name = req.method_name;
    r.target = req.target;
    r.path = req.path;
    r.query = req.query;
    r.has_query = req.has_query;
    r.authority = req.authority;
    r.version_major = req.version_major;
    r.version_minor = req.version_minor;
    r.keep_alive = req.keep_alive;
    r.content_length = req.content_length;
    for (const auto& h : req.headers()) r.headers.emplace_back(h.name, h.value);
    requests[stream_id] = r;
    order.push_back(stream_id);
    live_requests[stream_id] = &req;
    if (answer) answer(stream_id, req);
  }
  void on_stream_closed(std::int32_t stream_id, bool response_complete, std::uint64_t body_bytes) override {
    closed_stream& c = closed[stream_id];
    ++c.calls;
    c.response_complete = response_complete;
    c.body_bytes = body_bytes;
    live_requests.erase(stream_id);
    if (closing) closing(stream_id);
  }
  // Called from on_request; null: the test answers later.
  std::function<void(std::int32_t, const request&)> answer;
  // Called from on_stream_closed, after the stream is recorded as closed.
  std::function<void(std::int32_t)> closing;
  std::map<std::int32_t, recorded_request> requests;
  std::vector<std::int32_t> order;
  std::map<std::int32_t, closed_stream> closed;
  std::map<std::int32_t, const request*> live_requests;
};

struct fake_clock {
  fake_clock() = default;
  fake_clock(const fake_clock&) = delete;  // function_ refers to this one
  fake_clock& operator=(const fake_clock&) = delete;
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  // A session keeps a reference to its clock: this one lives as long as the fixture.
  const http2_clock& function() const { return function_; }

 private:
  http2_clock function_ = [this] { return now; };
};

struct client_response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> never_indexed;  // names of the fields sent as "never indexed" (HPACK)
  std::string body;
  bool ended = false;            // END_STREAM received
  bool closed = false;
  std::uint32_t close_code = 0;  // from on_stream_close
  std::optional<std::uint32_t> reset_code;  // RST_STREAM received
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }
};

// A real nghttp2 client session talking to the server session through memory.
class h2_client {
 public:
  explicit h2_client(bool auto_window_update = true, std::vector<nghttp2_settings_entry> settings = {});
  ~h2_client();
  h2_client(const h2_client&) = delete;
  h2_client& operator=(const h2_client&) = delete;

  using fields = std::vector<std::pair<std::string, std::string>>;
  // A request with exactly these fields (pseudo-headers included, in order) and an optional body.
  std::int32_t submit(const fields& nv, std::optional<std::string> body = std::nullopt);
  std::int32_t get(std::string path, fields extra = {});
  // Moves bytes both ways until neither side has anything to say (or `rounds` are done).
  void pump(http2_session& server, int rounds = 10000);
  // Client → server only.
  void flush_to(http2_session& server);

  nghttp2_session* session() { return session_; }
  std::map<std::int32_t, client_response> responses;
  std::optional<std::uint32_t> goaway_code;
  std::int32_t goaway_last_stream = -1;
  std::vector<nghttp2_settings_entry> server_settings;
  bool consume_automatically;
  std::size_t bytes_from_server = 0;

 private:
  nghttp2_session* session_ = nullptr;
  std::vector<std::string> bodies_;  // request bodies in flight
};

// Raw frames for the attack tests.
inline std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id, std::string_view payload);
// HPACK literal fields without indexing (RFC 7541 §6.2.2), new names.
inline std::string hpack_literals(const std::vector<std::pair<std::string, std::string>>& fields);
inline std::string client_preface();  // magic + empty SETTINGS
inline std::string get_headers_block(std::string_view path = "/");

struct parsed_frame {
  std::uint8_t type;
  std::uint8_t flags;
  std::uint32_t stream_id;
  std::string payload;
};
inline std::vector<parsed_frame> parse_frames(std::string_view bytes);
// The GOAWAY error code in `frames`, if there is one.
inline std::optional<std::uint32_t> goaway_code(const std::vector<parsed_frame>& frames);
inline std::optional<std::uint32_t> rst_code(const std::vector<parsed_frame>& frames, std::uint32_t stream_id);

inline std::unique_ptr<http2_server_session> make_server(recording_handler& handler, fake_clock& clock,
                                                    const http2_config& config = {}, const http2_limits& limits = {});

// ---- definitions ----

inline std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id, std::string_view payload) {
  std::string out;
  const auto length = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<char>((length >> 16) & 0xff));
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((stream_id >> shift) & 0xff));
  out.append(payload);
  return out;
}

inline void hpack_integer(std::string& out, std::size_t value, int prefix_bits, std::uint8_t first) {
  const std::size_t max_prefix = (std::size_t{1} << prefix_bits) - 1;
  if (value < max_prefix) {
    out.push_back(static_cast<char>(first | value));
    return;
  }
  out.push_back(static_cast<char>(first | max_prefix));
  value -= max_prefix;
  while (value >= 128) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

inline std::string hpack_literals(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out.push_back(0);  // literal without indexing, new name
    hpack_integer(out, name.size(), 7, 0);
    out += name;
    hpack_integer(out, value.size(), 7, 0);
    out += value;
  }
  return out;
}

inline std::string client_preface() {
  return std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(NGHTTP2_SETTINGS, 0, 0, "");
}

inline std::string get_headers_block(std::string_view path) {
  return hpack_literals({{":method", "GET"}, {":scheme", "http"}, {":path", std::string(path)},
                         {":authority", "example.com"}});
}

inline std::vector<parsed_frame> parse_frames(std::string_view bytes) {
  std::vector<parsed_frame> out;
  while (bytes.size() >= 9) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    const std::uint32_t length = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    if (bytes.size() < 9 + length) break;
    parsed_frame f{static_cast<std::uint8_t>(byte(3)), static_cast<std::uint8_t>(byte(4)),
                   ((byte(5) & 0x7f) << 24) | (byte(6) << 16) | (byte(7) << 8) | byte(8),
                   std::string(bytes.substr(9, length))};
    out.push_back(std::move(f));
    bytes.remove_prefix(9 + length);
  }
  return out;
}

inline std::uint32_t be32(std::string_view p) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::optional<std::uint32_t> goaway_code(const std::vector<parsed_frame>& frames) {
  for (const auto& f : frames) {
    if (f.type == NGHTTP2_GOAWAY && f.payload.size() >= 8) return be32(std::string_view(f.payload).substr(4));
  }
  return std::nullopt;
}

inline std::optional<std::uint32_t> rst_code(const std::vector<parsed_frame>& frames, std::uint32_t stream_id) {
  for (const auto& f : frames) {
    if (f.type == NGHTTP2_RST_STREAM && f.stream_id == stream_id && f.payload.size() == 4) return be32(f.payload);
  }
  return std::nullopt;
}

inline std::unique_ptr<http2_server_session> make_server(recording_handler& handler, fake_clock& clock,
                                                           const http2_config& config, const http2_limits& limits) {
  auto server = http2_server_session::create(config, handler, limits, clock.function());
  EXPECT_NE(server, nullptr);
  return server;
}

namespace client_callbacks {
inline h2_client& self(void* p) { return *static_cast<h2_client*>(p); }

inline int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                     const std::uint8_t* value, std::size_t valuelen, std::uint8_t flags, void* user_data) {
  auto& r = self(user_data).responses[frame->hd.stream_id];
  const std::string n(reinterpret_cast<const char*>(name), namelen);
  const std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") r.status = std::stoi(v);
  else r.headers.emplace_back(n, v);
  if ((flags & NGHTTP2_NV_FLAG_NO_INDEX) != 0) r.never_indexed.push_back(n);
  return 0;
}

inline int on_data(nghttp2_session* session, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                   std::size_t len, void* user_data) {
  auto& c = self(user_data);
  c.responses[stream_id].body.append(reinterpret_cast<const char*>(data), len);
  c.bytes_from_server += len;
  if (!c.consume_automatically) return 0;
  nghttp2_session_consume(session, stream_id, len);
  return 0;
}

inline int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto& c = self(user_data);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    c.goaway_code = frame->goaway.error_code;
    c.goaway_last_stream = frame->goaway.last_stream_id;
  } else if (frame->hd.type == NGHTTP2_RST_STREAM) {
    c.responses[frame->hd.stream_id].reset_code = frame->rst_stream.error_code;
  } else if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
    c.server_settings.assign(frame->settings.iv, frame->settings.iv + frame->settings.niv);
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    c.responses[frame->hd.stream_id].ended = true;
  }
  return 0;
}

inline int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t code, void* user_data) {
  auto& r = self(user_data).responses[stream_id];
  r.closed = true;
  r.close_code = code;
  return 0;
}

inline ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                         std::uint32_t* flags, nghttp2_data_source* source, void*) {
  auto* body = static_cast<std::string*>(source->ptr);
  const std::size_t n = std::min(length, body->size());
  std::copy_n(body->data(), n, reinterpret_cast<char*>(buf));
  body->erase(0, n);
  if (body->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}
}  // namespace client_callbacks

inline h2_client::h2_client(bool auto_window_update, std::vector<nghttp2_settings_entry> settings)
    : consume_automatically(auto_window_update) {
  bodies_.reserve(4096);  // pointers into it are handed to nghttp2
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, &client_callbacks::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &client_callbacks::on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &client_callbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &client_callbacks::on_close);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  // Manual mode: the test decides when the client gives window back (nghttp2_session_consume).
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new2(&session_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

inline h2_client::~h2_client() { nghttp2_session_del(session_); }

inline std::int32_t h2_client::submit(const fields& nv_fields, std::optional<std::string> body) {
  std::vector<nghttp2_nv> nv;
  for (const auto& [n, v] : nv_fields) {
    nv.push_back({const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(n.data())),
                  const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(v.data())), n.size(), v.size(),
                  NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  if (body) {
    bodies_.push_back(std::move(*body));
    provider.source.ptr = &bodies_.back();
    provider.read_callback = &client_callbacks::read_body;
  }
  const std::int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(), body ? &provider : nullptr, nullptr);
  EXPECT_GT(id, 0);
  return id;
}

inline std::int32_t h2_client::get(std::string path, fields extra) {
  fields nv{{":method", "GET"}, {":scheme", "https"}, {":path", std::move(path)}, {":authority", "example.com"}};
  for (auto& f : extra) nv.push_back(std::move(f));
  return submit(nv);
}

inline void h2_client::flush_to(http2_session& server) {
  std::string buffer;
  const std::uint8_t* data = nullptr;
  ssize_t n = 0;
  while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
    buffer.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  if (!buffer.empty()) server.receive(buffer);
}

inline void h2_client::pump(http2_session& server, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    bool progress = false;
    std::string buffer;
    const std::uint8_t* data = nullptr;
    ssize_t n = 0;
    while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
      buffer.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (!buffer.empty()) {
      server.receive(buffer);
      progress = true;
    }
    std::string out;
    server.produce(out, 1 << 20);
    if (!out.empty()) {
      const ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(out.data()), out.size());
      EXPECT_EQ(rv, static_cast<ssize_t>(out.size()));
      progress = true;
    }
    if (!progress) return;
  }
}


// Raw-frame helpers for the flood and stream-rule tests.
inline constexpr std::uint8_t end_headers = NGHTTP2_FLAG_END_HEADERS;
inline constexpr std::uint8_t end_stream = NGHTTP2_FLAG_END_STREAM;

inline std::string u32(std::uint32_t v) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  return out;
}

inline std::string get_request(std::uint32_t id, std::uint8_t flags = end_headers | end_stream) {
  return frame(NGHTTP2_HEADERS, flags, id, get_headers_block("/f"));
}

}  // namespace ferry::h2test
