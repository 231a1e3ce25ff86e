// RFC 9113 stream rules: frames on closed or skipped streams (§5.1, §5.1.1), PRIORITY on
// stream 0 or depending on itself (§5.3.1, §6.3), and a SETTINGS change overflowing a window
// (§6.9.2).
#include <gtest/gtest.h>

#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {


std::string post_request(std::uint32_t id, std::string_view content_length = {}) {
  std::vector<std::pair<std::string, std::string>> fields{
      {":method", "POST"}, {":scheme", "http"}, {":path", "/up"}, {":authority", "h"}};
  if (!content_length.empty()) fields.emplace_back("content-length", std::string(content_length));
  return frame(NGHTTP2_HEADERS, end_headers, id, hpack_literals(fields));
}

std::string priority(std::uint32_t id, std::uint32_t dependency) {
  return frame(NGHTTP2_PRIORITY, 0, id, u32(dependency) + std::string(1, '\x0f'));
}

std::string settings(std::uint16_t id, std::uint32_t value) {
  std::string p;
  p.push_back(static_cast<char>(id >> 8));
  p.push_back(static_cast<char>(id & 0xff));
  return frame(NGHTTP2_SETTINGS, 0, 0, p + u32(value));
}

std::optional<std::uint32_t> goaway_last_stream(const std::vector<parsed_frame>& frames) {
  for (const auto& f : frames) {
    if (f.type == NGHTTP2_GOAWAY && f.payload.size() >= 8) return be32(f.payload) & 0x7fffffffu;
  }
  return std::nullopt;
}

struct rules_fixture : ::testing::Test {
  recording_handler handler;
  fake_clock clock;
  http2_config config;
  http2_limits limits;
  std::unique_ptr<http2_server_session> server;
  bool answer_at_once = true;

  void SetUp() override { start(); }
  void start() {
    server = make_server(handler, clock, config, limits);
    handler.answer = [this](std::int32_t id, const request&) {
      if (answer_at_once) server->respond(id, {200, {}, std::uint64_t{0}, {}}, nullptr);
    };
    std::string out;
    server->produce(out, 1 << 16);
    ASSERT_TRUE(server->receive(client_preface()));
  }
  std::vector<parsed_frame> output() {
    std::string out;
    server->produce(out, 1 << 24);
    return parse_frames(out);
  }
  void expect_connection_error(std::uint32_t code) {
    const auto frames = output();
    EXPECT_EQ(goaway_code(frames), code);
    EXPECT_FALSE(server->wants_read());
    EXPECT_FALSE(server->wants_write());
  }
  // The connection goes on: a new request on `id` is served and nothing ended it.
  void expect_alive(std::uint32_t id) {
    EXPECT_TRUE(server->receive(get_request(id)));
    const auto frames = output();
    EXPECT_FALSE(goaway_code(frames).has_value());
    EXPECT_EQ(handler.requests.count(static_cast<std::int32_t>(id)), 1u);
    EXPECT_TRUE(server->wants_read());
  }
};

// ---- §5.1.1: new stream ids must grow ----

TEST_F(rules_fixture, reusing_an_id_after_its_response_is_a_connection_error) {
  EXPECT_TRUE(server->receive(get_request(1)));
  EXPECT_EQ(handler.closed.count(1), 0u);
  output();  // the response goes out: the stream closes
  EXPECT_EQ(handler.closed[1].calls, 1);
  EXPECT_FALSE(server->receive(get_request(1)));
  // The client had ended the stream: STREAM_CLOSED (§5.1), not a new request.
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
  EXPECT_EQ(handler.order.size(), 1u);
}

TEST_F(rules_fixture, reusing_an_id_after_the_client_reset_it_is_a_connection_error) {
  EXPECT_TRUE(server->receive(post_request(1)));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_RST_STREAM, 0, 1, u32(NGHTTP2_CANCEL))));
  EXPECT_EQ(handler.closed[1].calls, 1);
  EXPECT_FALSE(server->receive(get_request(1)));
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, an_id_below_the_highest_never_opened_is_a_protocol_error) {
  EXPECT_TRUE(server->receive(get_request(7)));
  output();
  EXPECT_FALSE(server->receive(get_request(5)));
  expect_connection_error(NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(handler.requests.count(5), 0u);
}

TEST_F(rules_fixture, nothing_comes_after_the_highest_stream_id) {
  EXPECT_TRUE(server->receive(get_request(0x7fffffff)));
  output();
  EXPECT_FALSE(server->receive(get_request(1)));
  expect_connection_error(NGHTTP2_PROTOCOL_ERROR);
}

TEST_F(rules_fixture, ids_may_be_skipped) {
  EXPECT_TRUE(server->receive(get_request(101)));
  EXPECT_TRUE(server->receive(get_request(1001)));
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_EQ(handler.order, (std::vector<std::int32_t>{101, 1001}));
}

// ---- §5.1, §6.1: DATA on closed streams ----

TEST_F(rules_fixture, data_after_the_stream_closed_by_end_stream_is_stream_closed) {
  EXPECT_TRUE(server->receive(get_request(1)));
  output();
  EXPECT_FALSE(server->receive(frame(NGHTTP2_DATA, end_stream, 1, "x")));
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, data_after_the_client_reset_the_stream_is_stream_closed) {
  EXPECT_TRUE(server->receive(post_request(1)));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_RST_STREAM, 0, 1, u32(NGHTTP2_CANCEL))));
  EXPECT_FALSE(server->receive(frame(NGHTTP2_DATA, end_stream, 1, "x")));
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, data_closing_an_open_stream_is_not_data_on_a_closed_one) {
  // Body and END_STREAM in frames split at every byte: the last one is not mistaken for DATA
  // after the end.
  EXPECT_TRUE(server->receive(post_request(1)));
  const std::string bytes = frame(NGHTTP2_DATA, 0, 1, "ab") + frame(NGHTTP2_DATA, end_stream, 1, "");
  for (const char c : bytes) EXPECT_TRUE(server->receive(std::string_view(&c, 1)));
  EXPECT_EQ(handler.requests.count(1), 1u);
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_EQ(handler.closed[1].calls, 1);
  // Now closed by the client: the same DATA again is STREAM_CLOSED, also byte by byte.
  const std::string again = frame(NGHTTP2_DATA, end_stream, 1, "");
  for (std::size_t i = 0; i + 1 < again.size(); ++i) EXPECT_TRUE(server->receive(again.substr(i, 1)));
  EXPECT_FALSE(server->receive(again.substr(again.size() - 1)));
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, data_on_a_skipped_id_is_stream_closed) {
  EXPECT_TRUE(server->receive(get_request(7)));
  EXPECT_FALSE(server->receive(frame(NGHTTP2_DATA, end_stream, 3, "x")));
  expect_connection_error(NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, window_update_rst_and_priority_on_closed_streams_are_tolerated) {
  EXPECT_TRUE(server->receive(get_request(1)));
  output();
  EXPECT_TRUE(server->receive(frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(100))));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_RST_STREAM, 0, 1, u32(NGHTTP2_CANCEL))));
  EXPECT_TRUE(server->receive(priority(1, 0)));
  expect_alive(3);
}

// The server closed these streams while the client was still sending: what it sent before it
// saw that is ignored (RFC 9113 §5.1 "closed").
TEST_F(rules_fixture, body_and_trailers_in_flight_after_our_413_are_ignored) {
  limits.max_body_size = 10;
  start();
  EXPECT_TRUE(server->receive(post_request(1, "100")));
  auto frames = output();  // 413, then RST_STREAM NO_ERROR: the stream is closed
  EXPECT_EQ(rst_code(frames, 1), NGHTTP2_NO_ERROR);
  EXPECT_EQ(handler.closed[1].calls, 1);
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, 0, 1, std::string(50, 'b'))));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_HEADERS, end_headers | end_stream, 1, hpack_literals({{"x-t", "1"}}))));
  EXPECT_EQ(handler.closed[1].calls, 1);
  expect_alive(3);
}

TEST_F(rules_fixture, body_in_flight_after_a_reset_of_ours_is_ignored) {
  // A malformed request the client goes on sending a body for: reset PROTOCOL_ERROR.
  EXPECT_TRUE(server->receive(frame(
      NGHTTP2_HEADERS, end_headers, 1,
      hpack_literals({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}, {"Bad", "1"}}))));
  EXPECT_EQ(rst_code(output(), 1), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, end_stream, 1, "late")));
  expect_alive(3);
}

// After 2 s idle the session forgets its closed streams (release_idle_memory): a frame on one
// of them is then one on a stream closed long ago, which the RFC lets an endpoint treat as an
// error once it stops ignoring them.
TEST_F(rules_fixture, closed_streams_are_forgotten_with_the_idle_memory) {
  limits.max_body_size = 10;
  start();
  EXPECT_TRUE(server->receive(post_request(1, "100")));
  EXPECT_EQ(rst_code(output(), 1), NGHTTP2_NO_ERROR);  // the 413 closed it, the body still coming
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, 0, 1, "abc")));
  EXPECT_FALSE(goaway_code(output()).has_value());
  server->release_idle_memory();
  server->receive(frame(NGHTTP2_DATA, 0, 1, "abc"));
  EXPECT_EQ(goaway_code(output()), NGHTTP2_STREAM_CLOSED);
}

// The record of closed streams keeps the last 256 closings: the 256th most recent is still
// known, the one before it is forgotten.
TEST_F(rules_fixture, the_last_256_closed_streams_are_remembered) {
  limits.max_body_size = 10;
  start();
  EXPECT_TRUE(server->receive(post_request(1, "100")));
  EXPECT_EQ(rst_code(output(), 1), NGHTTP2_NO_ERROR);  // closed by us, the body still coming
  std::uint32_t id = 3;
  for (int i = 0; i < 255; ++i, id += 2) {
    EXPECT_TRUE(server->receive(get_request(id)));
    output();
  }
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, 0, 1, "abc")));
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_TRUE(server->receive(get_request(id)));
  output();
  server->receive(frame(NGHTTP2_DATA, 0, 1, "abc"));
  EXPECT_EQ(goaway_code(output()), NGHTTP2_STREAM_CLOSED);
}

TEST_F(rules_fixture, body_of_a_refused_stream_is_ignored) {
  config.max_concurrent_streams = 1;
  start();
  // Before the SETTINGS ACK the second stream is refused (REFUSED_STREAM), with no stream made.
  EXPECT_TRUE(server->receive(post_request(1) + post_request(3) + frame(NGHTTP2_DATA, end_stream, 3, "body")));
  const auto frames = output();
  EXPECT_EQ(rst_code(frames, 3), NGHTTP2_REFUSED_STREAM);
  EXPECT_FALSE(goaway_code(frames).has_value());
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, end_stream, 3, "more")));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, end_stream, 1, "done")));
  EXPECT_FALSE(goaway_code(output()).has_value());
  EXPECT_EQ(handler.requests.count(1), 1u);
  EXPECT_TRUE(server->wants_read());
}

TEST_F(rules_fixture, streams_after_a_graceful_goaway_are_ignored) {
  answer_at_once = false;
  start();
  EXPECT_TRUE(server->receive(get_request(1)));
  server->shutdown();
  const auto frames = output();
  EXPECT_EQ(goaway_code(frames), NGHTTP2_NO_ERROR);
  EXPECT_EQ(goaway_last_stream(frames), 1u);
  // Sent before the client saw the GOAWAY: ignored, neither served nor an error.
  EXPECT_TRUE(server->receive(post_request(3) + frame(NGHTTP2_DATA, end_stream, 3, "body")));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_DATA, end_stream, 3, "more")));
  EXPECT_TRUE(parse_frames([&] { std::string out; server->produce(out, 1 << 20); return out; }()).empty());
  EXPECT_EQ(handler.requests.count(3), 0u);
  server->respond(1, {200, {}, std::uint64_t{0}, {}}, nullptr);
  output();
  EXPECT_EQ(handler.closed[1].calls, 1);
}

// ---- §5.3.1, §6.3: PRIORITY ----

TEST_F(rules_fixture, priority_on_stream_zero_is_a_protocol_error) {
  EXPECT_FALSE(server->receive(priority(0, 1)));
  expect_connection_error(NGHTTP2_PROTOCOL_ERROR);
}

TEST_F(rules_fixture, priority_with_the_wrong_length_is_a_frame_size_error) {
  server->receive(frame(NGHTTP2_PRIORITY, 0, 1, u32(3)));  // nghttp2's own check
  expect_connection_error(NGHTTP2_FRAME_SIZE_ERROR);
}

TEST_F(rules_fixture, an_open_stream_depending_on_itself_is_reset) {
  EXPECT_TRUE(server->receive(post_request(1)));
  EXPECT_TRUE(server->receive(priority(1, 1)));
  const auto frames = output();
  EXPECT_EQ(rst_code(frames, 1), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_FALSE(goaway_code(frames).has_value());
  EXPECT_EQ(handler.closed[1].calls, 1);
  expect_alive(3);
}

TEST_F(rules_fixture, an_idle_stream_depending_on_itself_ends_the_connection) {
  // RST_STREAM may not name an idle stream (§6.4): the stream error becomes a connection error.
  EXPECT_FALSE(server->receive(priority(1, 1)));
  expect_connection_error(NGHTTP2_PROTOCOL_ERROR);
}

TEST_F(rules_fixture, a_self_dependency_is_found_when_the_frame_comes_byte_by_byte) {
  EXPECT_TRUE(server->receive(post_request(1)));
  const std::string bytes = priority(1, 1);
  for (const char c : bytes) EXPECT_TRUE(server->receive(std::string_view(&c, 1)));
  EXPECT_EQ(rst_code(output(), 1), NGHTTP2_PROTOCOL_ERROR);
}

TEST_F(rules_fixture, frames_before_a_bad_priority_are_processed_first) {
  EXPECT_FALSE(server->receive(get_request(1) + priority(3, 3) + get_request(5)));
  const auto frames = output();
  EXPECT_EQ(goaway_code(frames), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(goaway_last_stream(frames), 1u);
  EXPECT_EQ(handler.requests.count(1), 1u);
  EXPECT_EQ(handler.requests.count(5), 0u);
}

TEST_F(rules_fixture, ordinary_priority_frames_are_fine) {
  EXPECT_TRUE(server->receive(post_request(1) + priority(1, 0) + priority(3, 1) + priority(9, 0)));
  EXPECT_FALSE(goaway_code(output()).has_value());
  expect_alive(5);
}

// ---- §6.9.2: SETTINGS_INITIAL_WINDOW_SIZE overflowing a stream window ----

TEST_F(rules_fixture, an_initial_window_overflowing_an_open_stream_is_a_connection_error) {
  answer_at_once = false;  // stream 1 stays open with its send window
  start();
  EXPECT_TRUE(server->receive(get_request(1)));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(0x7fffffffu - 65535))));  // window 2^31-1
  EXPECT_FALSE(server->receive(settings(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65536)));
  expect_connection_error(NGHTTP2_FLOW_CONTROL_ERROR);
}

TEST_F(rules_fixture, an_initial_window_reaching_the_maximum_exactly_is_fine) {
  answer_at_once = false;
  start();
  EXPECT_TRUE(server->receive(get_request(1)));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(0x7fffffffu - 65535 - 10))));
  EXPECT_TRUE(server->receive(settings(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65545)));
  const auto frames = output();
  EXPECT_FALSE(goaway_code(frames).has_value());
  EXPECT_FALSE(rst_code(frames, 1).has_value());
  EXPECT_TRUE(server->wants_read());
}

}  // namespace
}  // namespace ferry::h2test
