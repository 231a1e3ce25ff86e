// Slow clients (slowloris over HTTP/2): a header block or a request body trickled in is cut
// off at http2_limits::head_timeout / body_timeout, checked by check_deadlines() with the
// session's injected clock (no sleeps).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {

using namespace std::chrono_literals;


std::string post_request(std::uint32_t id) {
  return frame(NGHTTP2_HEADERS, end_headers, id,
               hpack_literals({{":method", "POST"}, {":scheme", "http"}, {":path", "/up"}, {":authority", "h"}}));
}

std::uint32_t goaway_last_stream(const std::vector<parsed_frame>& frames) {
  for (const auto& f : frames) {
    if (f.type == NGHTTP2_GOAWAY && f.payload.size() >= 8) return be32(f.payload) & 0x7fffffffu;
  }
  return 0xffffffffu;
}

std::optional<int> status_of(const std::vector<parsed_frame>& frames, std::uint32_t stream_id) {
  // The session's own answers are a lone :status, HPACK-encoded: decode with nghttp2's
  // inflater.
  nghttp2_hd_inflater* inflater = nullptr;
  nghttp2_hd_inflate_new(&inflater);
  std::optional<int> status;
  for (const auto& f : frames) {
    if (f.type != NGHTTP2_HEADERS || f.stream_id != stream_id) continue;
    const auto* in = reinterpret_cast<const std::uint8_t*>(f.payload.data());
    std::size_t left = f.payload.size();
    for (;;) {
      nghttp2_nv nv;
      int flags = 0;
      const auto rv = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, left, 1);
      if (rv < 0) break;
      in += rv;
      left -= static_cast<std::size_t>(rv);
      if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0 &&
          std::string_view(reinterpret_cast<const char*>(nv.name), nv.namelen) == ":status") {
        status = std::stoi(std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
      }
      if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) break;
      if (rv == 0 && left == 0) break;
    }
  }
  nghttp2_hd_inflate_del(inflater);
  return status;
}

struct deadline_fixture : ::testing::Test {
  recording_handler handler;
  fake_clock clock;
  http2_config config;
  http2_limits limits;
  std::unique_ptr<http2_server_session> server;

  void SetUp() override {
    limits.head_timeout = 10s;
    limits.body_timeout = 30s;
    start();
  }
  void start() {
    server = make_server(handler, clock, config, limits);
    handler.answer = [this](std::int32_t id, const request&) {
      server->respond(id, {200, {}, std::uint64_t{0}, {}}, nullptr);
    };
    std::string out;
    server->produce(out, 1 << 16);
    ASSERT_TRUE(server->receive(client_preface()));
    output();
  }
  std::vector<parsed_frame> output() {
    std::string out;
    server->produce(out, 1 << 24);
    return parse_frames(out);
  }
  void tick(std::chrono::milliseconds by) {
    clock.now += by;
    server->check_deadlines(clock.now);
  }
};

TEST_F(deadline_fixture, a_header_frame_trickled_in_ends_the_connection_at_the_head_timeout) {
  const std::string request = get_request(1);
  EXPECT_TRUE(server->receive(request.substr(0, 12)));  // the frame header and 3 bytes of the block
  for (std::size_t i = 12; i < 30; ++i) {
    tick(500ms);  // 9 s in all: within the limit
    EXPECT_TRUE(server->receive(request.substr(i, 1)));
  }
  EXPECT_TRUE(output().empty());
  tick(999ms);
  EXPECT_TRUE(output().empty());
  tick(1ms);  // 10 s since the block began
  const auto frames = output();
  EXPECT_EQ(goaway_code(frames), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(goaway_last_stream(frames), 0u);  // stream 1 was not processed
  EXPECT_FALSE(server->wants_read());
  EXPECT_FALSE(server->wants_write());
  EXPECT_FALSE(server->receive(request.substr(30)));
  EXPECT_EQ(handler.requests.count(1), 0u);
}

TEST_F(deadline_fixture, a_block_waiting_for_its_continuation_ends_the_connection) {
  EXPECT_TRUE(server->receive(get_request(1)));
  const std::string block = get_headers_block("/slow");
  // HEADERS without END_HEADERS, complete, and then nothing: the CONTINUATION never comes.
  EXPECT_TRUE(server->receive(frame(NGHTTP2_HEADERS, end_stream, 3, block.substr(0, 10))));
  tick(9s);
  EXPECT_FALSE(goaway_code(output()).has_value());
  tick(1s);
  const auto frames = output();
  EXPECT_EQ(goaway_code(frames), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(goaway_last_stream(frames), 1u);  // stream 1 was served, 3 was not
  EXPECT_EQ(handler.requests.count(1), 1u);
  EXPECT_EQ(handler.requests.count(3), 0u);
}

TEST_F(deadline_fixture, each_header_block_has_its_own_time) {
  // Many blocks, each complete within the limit, over far longer than the limit.
  for (std::uint32_t id = 1; id < 40; id += 2) {
    const std::string request = get_request(id);
    EXPECT_TRUE(server->receive(request.substr(0, 15)));
    tick(9s);
    // The rest of this block and the start of the next in one read.
    EXPECT_TRUE(server->receive(request.substr(15) + get_request(id + 2).substr(0, 4)));
    tick(9s);
    EXPECT_TRUE(server->receive(get_request(id + 2).substr(4)));
    id += 2;
  }
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_TRUE(server->wants_read());
}

TEST_F(deadline_fixture, an_idle_connection_between_blocks_has_no_head_deadline) {
  EXPECT_TRUE(server->receive(get_request(1)));
  output();
  tick(1h);
  EXPECT_TRUE(output().empty());
  EXPECT_TRUE(server->wants_read());
}

TEST_F(deadline_fixture, a_slow_body_gets_408_and_the_connection_goes_on) {
  EXPECT_TRUE(server->receive(post_request(1)));
  for (int i = 0; i < 29; ++i) {
    EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, 0, 1, "b")));
    tick(1s);
  }
  EXPECT_TRUE(output().empty());
  tick(1s);  // 30 s since the head
  const auto frames = output();
  EXPECT_EQ(status_of(frames, 1), 408);
  EXPECT_EQ(rst_code(frames, 1), NGHTTP2_NO_ERROR);
  EXPECT_FALSE(goaway_code(frames).has_value());
  EXPECT_EQ(handler.requests.count(1), 0u);
  ASSERT_EQ(handler.closed.count(1), 1u);
  EXPECT_EQ(handler.closed[1].calls, 1);
  EXPECT_TRUE(handler.closed[1].response_complete);
  // Later DATA the client sent before it saw the reset is ignored; another request is served.
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, end_stream, 1, "late") + get_request(3)));
  tick(1s);
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_EQ(handler.requests.count(3), 1u);
  EXPECT_EQ(handler.closed[1].calls, 1);
}

TEST_F(deadline_fixture, a_complete_request_has_no_body_deadline) {
  handler.answer = nullptr;  // the core takes its time to answer
  EXPECT_TRUE(server->receive(post_request(1) + frame(NGHTTP2_DATA, end_stream, 1, "body")));
  EXPECT_EQ(handler.requests.count(1), 1u);
  tick(1h);
  EXPECT_TRUE(output().empty());
  server->respond(1, {200, {}, std::uint64_t{0}, {}}, nullptr);
  EXPECT_EQ(status_of(output(), 1), 200);
}

TEST_F(deadline_fixture, the_limits_come_from_http2_limits) {
  limits.head_timeout = 100ms;
  limits.body_timeout = 200ms;
  start();
  EXPECT_TRUE(server->receive(post_request(1)));
  tick(199ms);
  EXPECT_TRUE(output().empty());
  tick(1ms);
  EXPECT_EQ(status_of(output(), 1), 408);
  EXPECT_TRUE(server->receive(get_request(3).substr(0, 10)));
  tick(99ms);
  EXPECT_FALSE(goaway_code(output()).has_value());
  tick(1ms);
  EXPECT_EQ(goaway_code(output()), NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(deadline_fixture, nothing_happens_after_the_connection_ended) {
  EXPECT_FALSE(server->receive(frame(NGHTTP2_PRIORITY, 0, 0, std::string(5, '\0'))));
  output();
  EXPECT_TRUE(server->receive(std::string()) == false);
  tick(1h);
  EXPECT_TRUE(output().empty());
}

}  // namespace
}  // namespace ferry::h2test
