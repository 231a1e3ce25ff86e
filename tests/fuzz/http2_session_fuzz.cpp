// Fuzzes the HTTP/2 server session with the bytes of a hostile client. The first bytes choose
// the session's settings and limits and how the stream handler answers; a schedule cuts the
// rest into reads and says what the core does between them (produce, answer, resume, advance
// the clock, check deadlines, shut down). Besides the sanitizers, every byte the session sends
// is read back as a client would: whole frames, valid HPACK, flow control kept, each stream's
// frames in order, the handler told exactly once; and every request head the session delivers
// must be what nghttp2's decoder reads from the same blocks. tests/fuzz/http2_session_seeds.py
// writes the seed corpus in this layout:
//
//   [0]      config: max_concurrent_streams, initial_window_size, max_frame_size,
//            header_table_size (2 bits each, low first)
//   [1]      bit 0 small request limits, bit 1 small flood limits, bit 2 short timeouts
//   [2]      handler: bits 0-1 when it answers (at once, later, one at a time, never),
//            bits 2-4 the body, bits 5-7 how the body reads
//   [3]      response head: bits 0-2 status, bit 3 a field larger than a frame, bit 4 fields
//            HTTP/2 may not carry, bit 5 request fields echoed, bits 6-7 content-length
//   [4]      bit 0 no client preface prepended (the input brings its own), bits 1-2 read size
//            unit, bit 3 shutdown allowed in the schedule, bit 4 shutdown from on_request
//   [5]      bits 0-1 produce size while draining at the end
//   [6..21]  schedule: 8 (read length, event) byte pairs, used in turn
//   [22..]   the client's bytes (after the preface, unless [4] bit 0)
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/http2/frame_format.hpp"
#include "modules/http2/server_session.hpp"

namespace {

namespace h2 = ferry::h2;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "http2_session_fuzz: invariant broken (line %d): %s\n", line, what);
  std::abort();
}
#define CHECK(condition)                            \
  do {                                              \
    if (!(condition)) fail(#condition, __LINE__);   \
  } while (0)

// HTTP2_FUZZ_TRACE=1: what an input did, to see that the seeds reach what they are meant to;
// =2: every frame produced too.
int trace_level() {
  static const int level = [] {
    const char* value = std::getenv("HTTP2_FUZZ_TRACE");
    return value == nullptr ? 0 : std::atoi(value);
  }();
  return level;
}

void trace_frames(std::string_view out, std::size_t max, bool wanted) {
  std::fprintf(stderr, "produce(%zu) wanted=%d ->", max, wanted ? 1 : 0);
  while (out.size() >= ferry::h2::frame_header_size) {
    const ferry::h2::frame_header f = ferry::h2::read_frame_header(out.data());
    std::fprintf(stderr, " [type %u flags %x stream %d length %u", f.type, f.flags, f.stream_id, f.length);
    if (f.type == ferry::h2::goaway && out.size() >= 17) {
      std::fprintf(stderr, " last %u code %u", ferry::h2::read_u32(out.data() + 9), ferry::h2::read_u32(out.data() + 13));
    }
    std::fprintf(stderr, "]");
    out.remove_prefix(std::min<std::size_t>(out.size(), ferry::h2::frame_header_size + f.length));
  }
  std::fprintf(stderr, "\n");
}

constexpr std::size_t choice_bytes = 6;
constexpr std::size_t schedule_bytes = 16;
constexpr std::size_t header_bytes = choice_bytes + schedule_bytes;
// Per input: more would only slow the fuzzer down, not reach new states.
constexpr std::size_t max_client_bytes = 1 << 16;
constexpr std::uint64_t body_budget = 256 << 10;
constexpr std::size_t max_drain_rounds = 1 << 18;

std::uint32_t be32(const char* p) { return h2::read_u32(p); }

// The byte at `offset` of stream `id`'s response body: DATA is checked against it.
char body_byte(std::int32_t id, std::uint64_t offset) {
  return static_cast<char>((static_cast<std::uint64_t>(id) * 131 + offset * 7 + (offset >> 8)) & 0xff);
}

bool lower_token(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// RFC 9113 §8.2.1, as strictly as the session promises to send.
bool clean_value(std::string_view value) {
  if (!value.empty() && (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' || value.back() == '\t')) {
    return false;
  }
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

// The choices of the first bytes, decoded.
struct choices {
  ferry::http2_config config;
  ferry::http2_limits limits;
  enum class timing : std::uint8_t { at_once, later, one_at_a_time, never } answer_when = timing::at_once;
  std::uint8_t body_kind = 0;
  std::uint8_t body_reads = 0;
  std::uint8_t head = 0;
  bool preface = true;
  std::size_t read_unit = 1;
  bool shutdown_in_schedule = false;
  bool shutdown_in_request = false;
  std::size_t drain_max = 1 << 20;
  std::array<std::uint8_t, schedule_bytes> schedule{};

  explicit choices(const std::uint8_t* d) {
    static constexpr std::uint32_t streams[] = {100, 1, 3, 16};
    static constexpr std::uint32_t windows[] = {65535, 1 << 20, 1024, 16 << 20};
    static constexpr std::uint32_t frames[] = {16384, 16384, 100000, h2::largest_frame_size};
    static constexpr std::uint32_t tables[] = {4096, 0, 100, 65536};
    config.max_concurrent_streams = streams[d[0] & 3];
    config.initial_window_size = windows[(d[0] >> 2) & 3];
    config.max_frame_size = frames[(d[0] >> 4) & 3];
    config.header_table_size = tables[(d[0] >> 6) & 3];
    if (d[1] & 1) {
      limits.max_head = 300;
      limits.max_header_count = 6;
      limits.max_uri_length = 40;
      limits.max_body_size = 100;
    }
    if (d[1] & 2) {
      auto& f = config.flood;
      f.reset_burst = 3;
      f.reset_rate = 1;
      f.window = std::chrono::milliseconds(100);
      f.max_provoked_resets = 3;
      f.max_empty_frames = 3;
      f.max_priority_frames = 5;
      f.max_window_updates = 5;
      f.max_control_frames = 5;
      f.max_continuations = 1;
      f.max_settings_entries = 8;
      f.max_queued_acks = 2;
    }
    if (d[1] & 4) {
      limits.head_timeout = std::chrono::milliseconds(50);
      limits.body_timeout = std::chrono::milliseconds(200);
    }
    answer_when = static_cast<timing>(d[2] & 3);
    body_kind = (d[2] >> 2) & 7;
    body_reads = (d[2] >> 5) & 7;
    head = d[3];
    preface = (d[4] & 1) == 0;
    static constexpr std::size_t units[] = {1, 4, 32, 256};
    read_unit = units[(d[4] >> 1) & 3];
    shutdown_in_schedule = (d[4] & 8) != 0;
    shutdown_in_request = (d[4] & 16) != 0;
    static constexpr std::size_t drains[] = {1 << 20, 1, 100, 16384};
    drain_max = drains[d[5] & 3];
    std::copy_n(d + choice_bytes, schedule_bytes, schedule.begin());
  }
};

// A response body from memory, with the faults a file or a bandwidth cap can show.
class fuzz_body final : public ferry::http2_body_source {
 public:
  enum class fault : std::uint8_t { none, error, truncated, overclaim };

  fuzz_body(std::int32_t id, std::size_t size, std::size_t piece, unsigned defer_every, fault f, std::size_t fault_at)
      : id_(id), size_(size), piece_(piece), defer_every_(defer_every), fault_(f), fault_at_(fault_at) {}

  std::ptrdiff_t read(std::span<char> into, bool& eof) override {
    CHECK(!gone);
    ++reads_;
    if (defer_every_ != 0 && reads_ % defer_every_ == 0) {
      waiting = true;
      return deferred;
    }
    if (fault_ != fault::none && position_ >= fault_at_) {
      if (fault_ == fault::error) return -1;
      if (fault_ == fault::truncated) return 0;
      return static_cast<std::ptrdiff_t>(into.size() + 1);
    }
    const std::size_t n = std::min({into.size(), piece_, size_ - position_});
    for (std::size_t i = 0; i < n; ++i) into[i] = body_byte(id_, position_ + i);
    position_ += n;
    eof = position_ == size_;
    return static_cast<std::ptrdiff_t>(n);
  }

  bool waiting = false;  // answered `deferred`: the core resumes it later
  bool gone = false;

 private:
  std::int32_t id_;
  std::size_t size_;
  std::size_t piece_;
  unsigned defer_every_;
  fault fault_;
  std::size_t fault_at_;
  std::size_t position_ = 0;
  unsigned reads_ = 0;
};

// What the handler sent for a stream, to check the HEADERS and DATA that go out for it.
struct answer_sent {
  int status = 0;
  std::optional<std::uint64_t> content_length;
  std::size_t body_size = 0;
  bool has_body = false;
};

struct closing {
  bool response_complete = false;
  std::uint64_t body_bytes = 0;
};

class client_view;
// The request as nghttp2 decoded its head; checked against what the session delivered.
void compare_head(const client_view& client, std::int32_t id, const ferry::request& req);

class fuzz_handler final : public ferry::http2_stream_handler {
 public:
  fuzz_handler(const choices& c, const client_view& client) : c_(c), client_(client) {}

  void on_request(std::int32_t id, const ferry::request& req) override {
    CHECK(id > 0 && id % 2 == 1);
    CHECK(delivered.insert(id).second);  // once per stream
    CHECK(!closed.contains(id));
    touch(req);
    compare_head(client_, id, req);
    // After GOAWAY, only streams up to its last stream id are processed (§6.8).
    CHECK(!after_error_goaway);
    if (graceful_last) CHECK(id <= *graceful_last);
    if (shutdown_called) delivered_after_shutdown.push_back(id);
    live[id] = &req;
    switch (c_.answer_when) {
      case choices::timing::at_once: answer(id); break;
      case choices::timing::one_at_a_time:
        if (in_flight_ == 0) {
          answer(id);
        } else {
          waiting.push_back(id);
        }
        break;
      case choices::timing::later:
      case choices::timing::never: waiting.push_back(id); break;
    }
    if (c_.shutdown_in_request && id >= 5) {
      session->shutdown();
      shutdown_called = true;
    }
  }

  void on_stream_closed(std::int32_t id, bool response_complete, std::uint64_t body_bytes) override {
    CHECK(id > 0 && id % 2 == 1);
    CHECK(!closed.contains(id));  // once per stream
    closed[id] = {response_complete, body_bytes};
    if (const auto it = live.find(id); it != live.end()) {
      touch(*it->second);  // the request stays valid until now
      live.erase(it);
    }
    std::erase(waiting, id);
    if (const auto it = bodies.find(id); it != bodies.end()) {
      it->second->gone = true;  // a read after this would be a use after the stream's end
      retired.push_back(std::move(it->second));
      bodies.erase(it);
    }
    if (answers.contains(id) && in_flight_ > 0) --in_flight_;
    // Like the core's admission: a stream that ends lets the next one in, answered from here.
    if (c_.answer_when == choices::timing::one_at_a_time) admit_one();
  }

  // Answers every stream waiting (in "later" mode) or the next one (one at a time).
  bool answer_waiting() {
    if (c_.answer_when == choices::timing::later) {
      const bool any = !waiting.empty();
      while (!waiting.empty()) {
        const std::int32_t id = waiting.front();
        waiting.pop_front();
        answer(id);
      }
      return any;
    }
    if (c_.answer_when == choices::timing::one_at_a_time && in_flight_ == 0) return admit_one();
    return false;
  }

  bool resume_all() {
    bool any = false;
    for (auto& [id, body] : bodies) {
      if (!body->waiting) continue;
      body->waiting = false;
      session->resume(id);
      any = true;
    }
    return any;
  }

  ferry::http2_server_session* session = nullptr;
  std::set<std::int32_t> delivered;
  std::map<std::int32_t, closing> closed;
  std::map<std::int32_t, const ferry::request*> live;  // delivered, not closed
  std::deque<std::int32_t> waiting;                    // delivered, not answered
  std::map<std::int32_t, answer_sent> answers;
  std::map<std::int32_t, std::unique_ptr<fuzz_body>> bodies;
  std::vector<std::unique_ptr<fuzz_body>> retired;  // kept so a late read is caught, not a crash
  bool shutdown_called = false;
  std::vector<std::int32_t> delivered_after_shutdown;
  std::optional<std::int32_t> graceful_last;  // from our graceful GOAWAY, once produced
  bool after_error_goaway = false;
  std::uint64_t head_bytes = 0;  // of the heads answered: the session may hold them a while

 private:
  // Reads every byte the request's views show, so ASan sees a request that went away early.
  static void touch(const ferry::request& req) {
    std::size_t sum = req.method_name.size() + req.target.size() + req.path.size() + req.query.size() +
                      req.authority.size();
    for (const auto& h : req.headers()) {
      for (const char ch : h.name) sum += static_cast<unsigned char>(ch);
      for (const char ch : h.value) sum += static_cast<unsigned char>(ch);
    }
    for (const char ch : req.target) sum += static_cast<unsigned char>(ch);
    for (const char ch : req.method_name) sum += static_cast<unsigned char>(ch);
    volatile std::size_t sink = sum;
    (void)sink;
  }

  bool admit_one() {
    while (!waiting.empty()) {
      const std::int32_t id = waiting.front();
      waiting.pop_front();
      if (!live.contains(id)) continue;
      answer(id);
      return true;
    }
    return false;
  }

  void answer(std::int32_t id) {
    const ferry::request& req = *live.at(id);
    static constexpr int statuses[] = {200, 200, 404, 206, 304, 299, 1000, 100};
    const int status = statuses[c_.head & 7];
    const std::string id_text = std::to_string(id);
    std::vector<std::pair<std::string_view, std::string_view>> fields{
        {"date", "Sat, 01 Jan 2050 00:00:00 GMT"},
        {"Server", "ferry"},
        {"content-type", id % 3 == 0 ? "text/html" : "text/plain"},
        {"X-Request-Id", id_text},
    };
    std::string huge;
    if (c_.head & 8) {
      huge.assign(20000 + static_cast<std::size_t>(id % 7), 'h');
      fields.emplace_back("x-huge", huge);
    }
    if (c_.head & 16) {
      for (const auto& f : std::initializer_list<std::pair<std::string_view, std::string_view>>{
               {"Connection", "close"}, {"bad name", "x"}, {"x-crlf", "a\r\nb"}, {"x-lead", " a"},
               {":status", "200"}, {"te", "trailers"}, {"", "empty"}, {"Transfer-Encoding", "chunked"},
               {"x-del", "a\x7f"}, {"x-nul", std::string_view("a\0b", 3)}}) {
        fields.push_back(f);
      }
    }
    std::string echo_name;
    if (c_.head & 32) {
      fields.emplace_back("x-path", req.path);
      fields.emplace_back("x-method", req.method_name);
      if (!req.headers().empty()) {
        echo_name = "x-echo-" + std::string(req.headers().front().name);
        fields.emplace_back(echo_name, req.headers().front().value);
      }
    }
    static constexpr std::array<std::string_view, 2> never{"X-REQUEST-ID", "traceparent"};

    static constexpr std::size_t sizes[] = {0, 0, 10, 3000, 40000, 16384, 100, 70000};
    std::size_t size = sizes[c_.body_kind];
    const bool no_body = c_.body_kind == 0 || req.method == ferry::http_method::head || size > budget_left_;
    ferry::http2_response_head head;
    head.status = status;
    head.fields = fields;
    head.never_indexed = never;
    switch (c_.head >> 6) {
      case 0: break;
      case 1: head.content_length = size; break;
      case 2: head.content_length = size > 0 ? size - 1 : 0; break;  // a body longer than it said
      case 3: head.content_length = size + 10; break;                 // shorter than it said
    }
    answer_sent& sent = answers[id];
    sent.status = status >= 200 && status <= 999 ? status : 500;
    sent.content_length = head.content_length;
    fuzz_body* body = nullptr;
    if (!no_body) {
      budget_left_ -= size;
      static constexpr std::size_t pieces[] = {SIZE_MAX, 1000, 7, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
      static constexpr unsigned defers[] = {0, 0, 0, 2, 5, 0, 0, 0};
      static constexpr fuzz_body::fault faults[] = {fuzz_body::fault::none,      fuzz_body::fault::none,
                                                    fuzz_body::fault::none,      fuzz_body::fault::none,
                                                    fuzz_body::fault::none,      fuzz_body::fault::error,
                                                    fuzz_body::fault::truncated, fuzz_body::fault::overclaim};
      auto owned = std::make_unique<fuzz_body>(id, size, pieces[c_.body_reads], defers[c_.body_reads],
                                               faults[c_.body_reads], size / 2);
      body = owned.get();
      bodies[id] = std::move(owned);
      sent.has_body = true;
      sent.body_size = size;
    }
    for (const auto& [name, value] : fields) head_bytes += name.size() + value.size() + 64;
    ++in_flight_;
    session->respond(id, head, body);
  }

  const choices& c_;
  const client_view& client_;
  std::size_t in_flight_ = 0;  // answered, not closed
  std::uint64_t budget_left_ = body_budget;
};

// What the client has sent so far, read as frames: bounds on what the server may send, and
// the request heads as nghttp2's decoder reads them, to compare with what the session delivers.
class client_view {
 public:
  explicit client_view(std::uint32_t header_table_size) : header_table_size_(header_table_size) {
    nghttp2_hd_inflate_new(&inflater_);
    if (inflater_ == nullptr) std::abort();
  }
  ~client_view() { nghttp2_hd_inflate_del(inflater_); }
  client_view(const client_view&) = delete;
  client_view& operator=(const client_view&) = delete;

  void feed(std::span<const char> bytes) {
    bytes_.append(bytes.data(), bytes.size());
    if (!preface_broken_) {
      const std::size_t n = std::min(bytes_.size(), h2::client_preface.size());
      preface_broken_ = bytes_.compare(0, n, h2::client_preface.substr(0, n)) != 0;
    }
    if (preface_broken_ || bytes_.size() < h2::client_preface.size()) return;
    if (parsed_ == 0) parsed_ = h2::client_preface.size();
    while (bytes_.size() - parsed_ >= h2::frame_header_size) {
      const h2::frame_header f = h2::read_frame_header(bytes_.data() + parsed_);
      if (bytes_.size() - parsed_ - h2::frame_header_size < f.length) break;
      frame(f, std::string_view(bytes_).substr(parsed_ + h2::frame_header_size, f.length));
      parsed_ += h2::frame_header_size + f.length;
    }
  }

  bool preface_broken() const { return preface_broken_; }
  // The fields of stream `id`'s first header block, null when nghttp2 did not decode it.
  const std::vector<std::pair<std::string, std::string>>* request_head(std::int32_t id) const {
    const auto it = heads_.find(id);
    return it == heads_.end() ? nullptr : &it->second;
  }
  // nghttp2 refused a header block the session also saw (framing permitting).
  bool hpack_refused() const { return hpack_refused_; }
  // A block's framing the session refuses too: the session ends, the views stop here.
  bool blocks_lost() const { return blocks_lost_; }
  std::int32_t highest_headers_id = 0;      // of every HEADERS frame, accepted or not
  std::uint32_t largest_frame = h2::default_max_frame_size;  // any SETTINGS_MAX_FRAME_SIZE allowed
  std::int64_t largest_initial_window = h2::default_window;
  std::map<std::int32_t, std::uint64_t> increments;  // WINDOW_UPDATE, per stream (0: connection)
  bool goaway = false;
  std::deque<std::vector<std::uint32_t>> table_sizes;  // per SETTINGS (not ACK), in order

 private:
  void frame(const h2::frame_header& f, std::string_view payload) {
    track_block(f, payload);
    switch (f.type) {
      case h2::headers: highest_headers_id = std::max(highest_headers_id, f.stream_id); break;
      case h2::goaway: goaway = true; break;
      case h2::window_update:
        if (f.length == 4) increments[f.stream_id] += be32(payload.data()) & 0x7fffffffu;
        break;
      case h2::settings: {
        if ((f.flags & h2::flag::ack) != 0) break;
        std::vector<std::uint32_t> sizes;
        for (std::size_t at = 0; at + 6 <= payload.size(); at += 6) {
          const auto id = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[at]) << 8) |
                                                     static_cast<unsigned char>(payload[at + 1]));
          const std::uint32_t value = be32(payload.data() + at + 2);
          if (id == h2::header_table_size) sizes.push_back(value);
          if (id == h2::max_frame_size && value <= h2::largest_frame_size) largest_frame = std::max(largest_frame, value);
          if (id == h2::initial_window_size && value <= h2::largest_window) {
            largest_initial_window = std::max<std::int64_t>(largest_initial_window, value);
          }
        }
        table_sizes.push_back(std::move(sizes));
        break;
      }
      default: break;
    }
  }

  // Header blocks as the session assembles them (padding and priority fields stripped,
  // CONTINUATION appended), decoded whole. Framing the session would refuse ends the view.
  void track_block(const h2::frame_header& f, std::string_view payload) {
    if (blocks_lost_ || hpack_refused_) return;
    if (f.type == h2::settings && (f.flags & h2::flag::ack) != 0 && !acknowledged_) {
      // The session's decoder takes our header_table_size once the client acknowledged it.
      acknowledged_ = true;
      if (block_stream_ != 0 || nghttp2_hd_inflate_change_table_size(inflater_, header_table_size_) != 0) {
        blocks_lost_ = true;
      }
      return;
    }
    if (f.type == h2::continuation) {
      if (block_stream_ == 0 || f.stream_id != block_stream_) {
        blocks_lost_ = true;
        return;
      }
      block_.append(payload);
    } else if (f.type == h2::headers) {
      if (block_stream_ != 0) {
        blocks_lost_ = true;
        return;
      }
      if ((f.flags & h2::flag::padded) != 0) {
        if (payload.empty() || static_cast<unsigned char>(payload[0]) > payload.size() - 1) {
          blocks_lost_ = true;
          return;
        }
        const std::size_t padding = static_cast<unsigned char>(payload[0]);
        payload = payload.substr(1, payload.size() - 1 - padding);
      }
      if ((f.flags & h2::flag::priority) != 0) {
        if (payload.size() < 5) {
          blocks_lost_ = true;
          return;
        }
        payload.remove_prefix(5);
      }
      block_.assign(payload);
      block_stream_ = f.stream_id;
    } else {
      if (block_stream_ != 0) blocks_lost_ = true;  // §6.10: nothing between a block's frames
      return;
    }
    if ((f.flags & h2::flag::end_headers) == 0) return;
    const std::int32_t id = block_stream_;
    block_stream_ = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    const auto* in = reinterpret_cast<const std::uint8_t*>(block_.data());
    std::size_t left = block_.size();
    for (;;) {
      nghttp2_nv nv{};
      int flags = 0;
      const ssize_t used = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
      if (used < 0) {
        hpack_refused_ = true;
        return;
      }
      in += used;
      left -= static_cast<std::size_t>(used);
      if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
        fields.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                            std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
        continue;
      }
      if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) break;
      if (used == 0) {
        hpack_refused_ = true;
        return;
      }
    }
    nghttp2_hd_inflate_end_headers(inflater_);
    heads_.emplace(id, std::move(fields));  // the first block of a stream is its request head
  }

  std::string bytes_;
  std::size_t parsed_ = 0;
  bool preface_broken_ = false;
  std::uint32_t header_table_size_;
  nghttp2_hd_inflater* inflater_ = nullptr;
  std::string block_;
  std::int32_t block_stream_ = 0;
  bool acknowledged_ = false;
  bool blocks_lost_ = false;
  bool hpack_refused_ = false;
  std::map<std::int32_t, std::vector<std::pair<std::string, std::string>>> heads_;
};

std::size_t heads_compared = 0;  // in this input, for the trace

void compare_head(const client_view& client, std::int32_t id, const ferry::request& req) {
  const auto* head = client.request_head(id);
  if (head == nullptr) return;
  ++heads_compared;
  // The request the fields make, as stream_state builds it (cookies joined last, RFC 9113 §8.2.3).
  std::string_view method;
  std::string_view path;
  std::string_view authority;
  std::string_view host;
  bool has_authority = false;
  bool saw_cookie = false;
  std::string cookie;
  std::vector<std::pair<std::string_view, std::string_view>> regular;
  for (const auto& [name, value] : *head) {
    if (name == ":method") {
      method = value;
    } else if (name == ":path") {
      path = value;
    } else if (name == ":authority") {
      authority = value;
      has_authority = true;
    } else if (!name.empty() && name.front() == ':') {
      continue;
    } else if (name == "cookie") {
      if (!cookie.empty()) cookie += "; ";
      cookie += value;
      saw_cookie = true;
    } else {
      if (name == "host") host = value;
      regular.emplace_back(name, value);
    }
  }
  if (saw_cookie) regular.emplace_back("cookie", cookie);
  CHECK(req.method_name == method);
  CHECK(req.target == path);
  CHECK(req.authority == (has_authority ? authority : host));
  CHECK(req.headers().size() == regular.size());
  for (std::size_t i = 0; i < regular.size(); ++i) {
    CHECK(req.headers()[i].name == regular[i].first && req.headers()[i].value == regular[i].second);
  }
}

// The server's frames as the client receives them, checked one by one.
class server_view {
 public:
  server_view(client_view& client, fuzz_handler& handler) : client_(client), handler_(handler) {
    nghttp2_hd_inflate_new(&inflater_);
    if (inflater_ == nullptr) std::abort();
  }
  ~server_view() { nghttp2_hd_inflate_del(inflater_); }
  server_view(const server_view&) = delete;
  server_view& operator=(const server_view&) = delete;

  // Whether an entry of the client's dynamic table has that name.
  bool table_holds_name(std::string_view name) const {
    const std::size_t last = nghttp2_hd_inflate_get_num_table_entries(inflater_);
    for (std::size_t index = 62; index <= last; ++index) {
      const nghttp2_nv* nv = nghttp2_hd_inflate_get_table_entry(inflater_, index);
      if (nv != nullptr && std::string_view(reinterpret_cast<const char*>(nv->name), nv->namelen) == name) return true;
    }
    return false;
  }

  // One produce() call's output: whole frames only.
  void read(std::string_view out) {
    CHECK(!error_goaway_ || out.empty());  // nothing after a connection error's GOAWAY
    while (!out.empty()) {
      CHECK(out.size() >= h2::frame_header_size);
      const h2::frame_header f = h2::read_frame_header(out.data());
      CHECK(out.size() - h2::frame_header_size >= f.length);
      frame(f, out.substr(h2::frame_header_size, f.length));
      out.remove_prefix(h2::frame_header_size + f.length);
    }
  }

  // After every step: what the handler was told agrees with what went out.
  void agree() const {
    for (const auto& [id, c] : handler_.closed) {
      const auto it = streams_.find(id);
      const std::uint64_t data = it == streams_.end() ? 0 : it->second.data;
      CHECK(c.body_bytes == data);
      CHECK(!c.response_complete || (it != streams_.end() && it->second.ended));
      CHECK(id <= client_.highest_headers_id);
    }
    for (const auto& [id, s] : streams_) {
      if (s.ended) CHECK(handler_.closed.contains(id));  // a finished response closes its stream
    }
  }

  bool error_goaway() const { return error_goaway_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t data_bytes() const { return connection_data_; }
  std::optional<std::uint32_t> goaway_code() const { return goaway_code_; }

 private:
  struct stream {
    bool headers = false;
    bool ended = false;
    bool reset = false;
    std::uint64_t data = 0;
  };

  void frame(const h2::frame_header& f, std::string_view payload) {
    CHECK(f.length <= client_.largest_frame);
    if (frames_++ == 0) CHECK(f.type == h2::settings && f.flags == 0);  // our SETTINGS come first
    if (block_stream_ != 0) CHECK(f.type == h2::continuation && f.stream_id == block_stream_);  // §6.10
    const bool on_stream = f.type == h2::data || f.type == h2::headers || f.type == h2::rst_stream ||
                           f.type == h2::continuation;
    if (on_stream || (f.type == h2::window_update && f.stream_id != 0)) {
      // Only streams the client opened: never an idle one (§5.1).
      CHECK(f.stream_id % 2 == 1 && f.stream_id <= client_.highest_headers_id);
    } else {
      CHECK(f.stream_id == 0);
    }
    switch (f.type) {
      case h2::data: data(f, payload); break;
      case h2::headers: {
        CHECK((f.flags & ~(h2::flag::end_stream | h2::flag::end_headers)) == 0);
        stream& s = streams_[f.stream_id];
        CHECK(!s.headers && !s.ended && !s.reset);  // one head, no trailers
        s.headers = true;
        s.ended = (f.flags & h2::flag::end_stream) != 0;
        block_.assign(payload);
        block_stream_ = f.stream_id;
        if ((f.flags & h2::flag::end_headers) != 0) finish_block();
        break;
      }
      case h2::continuation:
        CHECK((f.flags & ~h2::flag::end_headers) == 0);
        block_.append(payload);
        if ((f.flags & h2::flag::end_headers) != 0) finish_block();
        break;
      case h2::rst_stream: {
        CHECK(f.length == 4 && f.flags == 0);
        stream& s = streams_[f.stream_id];
        CHECK(!s.reset);
        s.reset = true;
        break;
      }
      case h2::settings:
        if (frames_ == 1) {
          CHECK(f.length % 6 == 0);
        } else {
          // Each ACK answers the client's next SETTINGS: its table size applies from here.
          CHECK(f.flags == h2::flag::ack && f.length == 0);
          CHECK(!client_.table_sizes.empty());
          for (const std::uint32_t size : client_.table_sizes.front()) {
            CHECK(nghttp2_hd_inflate_change_table_size(inflater_, size) == 0);
          }
          client_.table_sizes.pop_front();
        }
        break;
      case h2::ping: CHECK(f.flags == h2::flag::ack && f.length == 8); break;
      case h2::goaway: {
        CHECK(f.length == 8 && f.flags == 0);
        const auto last = static_cast<std::int32_t>(be32(payload.data()) & 0x7fffffffu);
        const std::uint32_t code = be32(payload.data() + 4);
        CHECK(goaways_ < 2 && !error_goaway_);  // at most a graceful one, then an error
        // §6.8: the last stream id never grows.
        if (goaways_ > 0) CHECK(last <= last_stream_);
        CHECK(last <= client_.highest_headers_id);
        last_stream_ = last;
        ++goaways_;
        error_goaway_ = code != h2::no_error;
        goaway_code_ = code;
        if (error_goaway_) {
          handler_.after_error_goaway = true;
        } else {
          CHECK(handler_.shutdown_called);  // a graceful GOAWAY only when the core asked for it
          handler_.graceful_last = last;
          for (const std::int32_t id : handler_.delivered_after_shutdown) CHECK(id <= last);
        }
        break;
      }
      case h2::window_update: {
        CHECK(f.length == 4 && f.flags == 0);
        const std::uint32_t increment = be32(payload.data());
        CHECK(increment >= 1 && increment <= 0x7fffffffu);
        break;
      }
      default: fail("a frame type the server never sends", __LINE__);
    }
  }

  void data(const h2::frame_header& f, std::string_view payload) {
    CHECK((f.flags & ~h2::flag::end_stream) == 0);
    const bool end = (f.flags & h2::flag::end_stream) != 0;
    CHECK(f.length > 0 || end);  // an empty DATA frame only to end the stream
    stream& s = streams_[f.stream_id];
    CHECK(s.headers && !s.ended && !s.reset);
    const auto sent = handler_.answers.find(f.stream_id);
    CHECK(sent != handler_.answers.end() && sent->second.has_body);
    for (std::size_t i = 0; i < payload.size(); ++i) CHECK(payload[i] == body_byte(f.stream_id, s.data + i));
    s.data += f.length;
    s.ended = end;
    CHECK(s.data <= sent->second.body_size);
    if (sent->second.content_length) CHECK(s.data <= *sent->second.content_length);
    // Flow control: never more than the client allowed, on the stream and the connection.
    connection_data_ += f.length;
    CHECK(connection_data_ <= h2::default_window + client_.increments[0]);
    CHECK(static_cast<std::int64_t>(s.data) <=
          client_.largest_initial_window + static_cast<std::int64_t>(client_.increments[f.stream_id]));
  }

  // A complete header block: valid HPACK for the client's decoder, and a response head HTTP/2
  // allows, matching what the handler answered (or one of the session's own answers).
  void finish_block() {
    const std::int32_t id = block_stream_;
    block_stream_ = 0;
    const auto* in = reinterpret_cast<const std::uint8_t*>(block_.data());
    std::size_t left = block_.size();
    int status = 0;
    std::size_t fields = 0;
    std::size_t lengths = 0;
    std::string length_value;
    bool request_id_seen = false;
    const auto sent = handler_.answers.find(id);
    for (;;) {
      // A never-indexed name that no table holds enters it with the value at hand. Fields
      // entered before it in the same block may have evicted it: asked field by field.
      const bool request_id_may_enter = !table_holds_name("x-request-id");
      nghttp2_nv nv{};
      int flags = 0;
      const ssize_t used = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
      CHECK(used >= 0);  // the client's decoder accepts our HPACK
      in += used;
      left -= static_cast<std::size_t>(used);
      if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
        const std::string_view name(reinterpret_cast<const char*>(nv.name), nv.namelen);
        const std::string_view value(reinterpret_cast<const char*>(nv.value), nv.valuelen);
        if (fields++ == 0) {
          CHECK(name == ":status" && value.size() == 3);
          status = std::atoi(std::string(value).c_str());
          CHECK(status >= 200 && status <= 999);
        } else {
          CHECK(lower_token(name));  // no pseudo-header but the first, names in lower case
          CHECK(name != "connection" && name != "keep-alive" && name != "proxy-connection" &&
                name != "transfer-encoding" && name != "upgrade" && name != "te");
        }
        CHECK(clean_value(value));
        if (name == "content-length") {
          ++lengths;
          length_value = value;
        }
        if (name == "x-request-id") {
          request_id_seen = true;
          // Never indexed, as the head asked, but for the value that brings the name into the table.
          CHECK((nv.flags & NGHTTP2_NV_FLAG_NO_INDEX) != 0 || request_id_may_enter);
          CHECK(value == std::to_string(id));
        }
        continue;
      }
      if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) break;
      CHECK(used > 0);  // the whole block is there: no progress would be a loop
    }
    CHECK(left == 0);
    nghttp2_hd_inflate_end_headers(inflater_);
    CHECK(fields > 0);
    CHECK(lengths <= 1);
    const bool session_status = status == 408 || status == 413 || status == 414 || status == 431;
    if (session_status) {
      CHECK(!request_id_seen);
      return;
    }
    // Not one of the session's answers: the handler's, as it gave it.
    CHECK(sent != handler_.answers.end());
    CHECK(status == sent->second.status);
    CHECK(request_id_seen);
    if (sent->second.content_length) CHECK(length_value == std::to_string(*sent->second.content_length));
  }

  client_view& client_;
  fuzz_handler& handler_;
  nghttp2_hd_inflater* inflater_ = nullptr;
  std::map<std::int32_t, stream> streams_;
  std::string block_;
  std::int32_t block_stream_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t connection_data_ = 0;
  int goaways_ = 0;
  std::int32_t last_stream_ = 0;
  bool error_goaway_ = false;
  std::optional<std::uint32_t> goaway_code_;
};

class driver {
 public:
  explicit driver(const choices& c)
      : c_(c), client_(c.config.header_table_size), handler_(c, client_), server_(client_, handler_) {}

  void run(std::string_view client_bytes) {
    session_ = ferry::http2_server_session::create(c_.config, handler_, c_.limits, clock_);
    CHECK(session_ != nullptr);
    handler_.session = session_.get();
    std::size_t at = 0;
    for (std::size_t step = 0; at < client_bytes.size(); ++step) {
      const std::uint8_t length = c_.schedule[(2 * step) % schedule_bytes];
      const std::uint8_t event = c_.schedule[(2 * step + 1) % schedule_bytes];
      const std::size_t n = std::min(client_bytes.size() - at, 1 + length * c_.read_unit);
      receive(client_bytes.substr(at, n));
      at += n;
      between_reads(event);
    }
    drain();
    if (client_.preface_broken()) CHECK(handler_.delivered.empty() && !session_->wants_read());
    // COMPRESSION_ERROR for blocks nghttp2 decodes: the session's decoder refuses valid HPACK.
    if (server_.goaway_code() == h2::compression_error && !client_.blocks_lost()) CHECK(client_.hpack_refused());
    if (trace_level() >= 1) {
      std::fprintf(stderr, "requests %zu (%zu heads compared), closed %zu, frames out %llu, DATA bytes %llu, GOAWAY %d, open %zu\n",
                   handler_.delivered.size(), heads_compared, handler_.closed.size(),
                   static_cast<unsigned long long>(server_.frames()),
                   static_cast<unsigned long long>(server_.data_bytes()),
                   server_.goaway_code() ? static_cast<int>(*server_.goaway_code()) : -1, session_->open_streams());
    }
    session_.reset();  // streams still open are not reported (the contract), their bodies freed after
  }

 private:
  void receive(std::string_view bytes) {
    client_.feed(bytes);
    fed_ += bytes.size();
    const bool more = session_->receive(std::span<const char>(bytes.data(), bytes.size()));
    // Once it has said no, it stays no: unless the client's GOAWAY let it go idle, when
    // nothing forbids the client to open streams again.
    if (!more && !client_.goaway) stopped_ = true;
    if (stopped_ || server_.error_goaway()) CHECK(!more);
    if (client_.preface_broken()) CHECK(!more);
    after_step();
  }

  void between_reads(std::uint8_t event) {
    static constexpr std::size_t produce_max[] = {0, 1, 200, 1 << 20};
    static constexpr std::chrono::milliseconds advance[] = {std::chrono::milliseconds(0), std::chrono::milliseconds(1),
                                                            std::chrono::milliseconds(1000),
                                                            std::chrono::milliseconds(15000)};
    if (event & 4) handler_.answer_waiting();
    if (event & 8) handler_.resume_all();
    now_ += advance[(event >> 4) & 3];
    if (event & 64) session_->check_deadlines(now_);
    // What the connection does after a quiet while: the next responses must decode alike.
    if ((event & 65) == 65) session_->release_idle_memory();
    if ((event & 128) && c_.shutdown_in_schedule) {
      session_->shutdown();
      handler_.shutdown_called = true;
    }
    after_step();
    if ((event & 3) != 0) produce(produce_max[event & 3]);
  }

  void drain() {
    for (std::size_t round = 0;; ++round) {
      CHECK(round < max_drain_rounds);  // output without end: a livelock
      const bool answered = handler_.answer_waiting();
      const bool resumed = handler_.resume_all();
      const std::size_t produced = produce(c_.drain_max);
      if (produced == 0 && !answered && !resumed) break;
    }
    CHECK(!session_->wants_write());
  }

  std::size_t produce(std::size_t max) {
    const bool wanted = session_->wants_write();
    std::string out;
    session_->produce(out, max);
    if (trace_level() >= 2) trace_frames(out, max, wanted);
    // No write wanted, nothing to write; something wanted but nothing written, the core would spin.
    if (!wanted) CHECK(out.empty());
    if (max > 0 && out.empty()) CHECK(!session_->wants_write());
    server_.read(out);
    after_step();
    return out.size();
  }

  void after_step() {
    server_.agree();
    CHECK(session_->open_streams() <= c_.config.max_concurrent_streams);
    std::size_t open_delivered = handler_.live.size();
    CHECK(open_delivered <= session_->open_streams());
    if (server_.error_goaway()) CHECK(!session_->wants_read() && !session_->wants_write());
    // Grows with what the client sent and the heads answered, never beyond: a bound, not an
    // estimate, to catch growth out of proportion.
    CHECK(session_->memory_in_use() <= (256u << 10) + 8 * fed_ + 2 * handler_.head_bytes);
  }

  const choices& c_;
  client_view client_;
  fuzz_handler handler_;
  server_view server_;
  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
  const ferry::http2_clock clock_ = [this] { return now_; };  // the session keeps a reference
  std::unique_ptr<ferry::http2_server_session> session_;
  std::size_t fed_ = 0;
  bool stopped_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < header_bytes) return 0;
  const choices c(data);
  std::string client;
  if (c.preface) client = h2::client_preface;
  client.append(reinterpret_cast<const char*>(data + header_bytes),
                std::min(size - header_bytes, max_client_bytes));
  heads_compared = 0;
  driver d(c);
  d.run(client);
  return 0;
}
