// Floods built from raw frames: each ends in GOAWAY with the expected code within a bounded
// number of frames, and the session does not grow while it lasts.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {


struct flood_fixture : ::testing::Test {
  recording_handler handler;
  fake_clock clock;
  http2_config config;
  http2_limits limits;
  std::unique_ptr<http2_server_session> server;
  std::size_t peak_memory = 0;

  void start() {
    server = make_server(handler, clock, config, limits);
    std::string out;
    server->produce(out, 1 << 16);
    ASSERT_TRUE(server->receive(client_preface()));
  }
  void SetUp() override { start(); }

  // Feeds `next(i)` for i = 0, 1, ... until the server refuses more input or `max` frames were
  // fed; returns how many it took (max + 1 when it never refused).
  template <class F>
  int feed_until_refused(int max, F next, bool read_output = false) {
    for (int i = 0; i < max; ++i) {
      const bool ok = server->receive(next(i));
      peak_memory = std::max(peak_memory, server->memory_in_use());
      if (read_output && ok) {
        std::string ignored;
        server->produce(ignored, 1 << 20);
      }
      if (!ok) return i + 1;
    }
    return max + 1;
  }
  std::vector<parsed_frame> output() {
    std::string out;
    server->produce(out, 1 << 24);
    EXPECT_LT(out.size(), 64u * 1024u) << "queued output grew with the flood";
    return parse_frames(out);
  }
  void expect_cut_off(std::uint32_t code) {
    const auto frames = output();
    EXPECT_EQ(goaway_code(frames), code);
    EXPECT_FALSE(server->receive(frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'))));
    EXPECT_FALSE(server->wants_read());
    EXPECT_FALSE(server->wants_write());
    EXPECT_LT(peak_memory, 256u * 1024u);
  }
};

TEST_F(flood_fixture, rapid_reset) {
  const int frames = feed_until_refused(5000, [](int i) {
    const auto id = static_cast<std::uint32_t>(2 * i + 1);
    return get_request(id) + frame(NGHTTP2_RST_STREAM, 0, id, u32(NGHTTP2_CANCEL));
  });
  EXPECT_LE(frames, 201);
  EXPECT_GE(frames, 199);
  EXPECT_EQ(server->flood(), flood_kind::client_reset);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
  for (const auto& [id, c] : handler.closed) EXPECT_EQ(c.calls, 1) << id;
  EXPECT_LE(server->open_streams(), 1u);  // the stream whose RST_STREAM was one too many
}

TEST_F(flood_fixture, resets_at_a_sustainable_rate_are_fine) {
  const int frames = feed_until_refused(1000, [this](int i) {
    clock.now += std::chrono::milliseconds(40);  // 25 per second, under the 33 allowed
    const auto id = static_cast<std::uint32_t>(2 * i + 1);
    return get_request(id) + frame(NGHTTP2_RST_STREAM, 0, id, u32(NGHTTP2_CANCEL));
  }, true);
  EXPECT_EQ(frames, 1001);
  EXPECT_TRUE(server->wants_read());
  EXPECT_LT(peak_memory, 256u * 1024u);
}

TEST_F(flood_fixture, continuation_flood) {
  server->receive(frame(NGHTTP2_HEADERS, 0, 1, get_headers_block("/")));
  const int frames = feed_until_refused(1000, [](int i) {
    return frame(NGHTTP2_CONTINUATION, 0, 1, hpack_literals({{"x-c" + std::to_string(i), "v"}}));
  });
  EXPECT_LE(frames, 9);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(handler.requests.size(), 0u);
}

TEST_F(flood_fixture, too_many_settings_entries) {
  std::string entries;
  for (std::uint16_t id = 0; id < 40; ++id) {
    entries.push_back(0);
    entries.push_back(static_cast<char>(0x20 + id));  // unknown ids: ignored, but counted
    entries += u32(1);
  }
  server->receive(frame(NGHTTP2_SETTINGS, 0, 0, entries));
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(flood_fixture, settings_frames_even_when_the_acks_are_read) {
  const int frames = feed_until_refused(100000, [](int) { return frame(NGHTTP2_SETTINGS, 0, 0, ""); }, true);
  EXPECT_LE(frames, 501);
  EXPECT_EQ(server->flood(), flood_kind::control_frame);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(flood_fixture, ping_flood_without_reading_the_acks) {
  const int frames = feed_until_refused(100000, [](int) { return frame(NGHTTP2_PING, 0, 0, std::string(8, 'p')); });
  EXPECT_LE(frames, 102);
  const auto out = output();
  EXPECT_EQ(goaway_code(out), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_LE(out.size(), 110u);  // the queued ACKs and the GOAWAY, nothing more
  EXPECT_LT(peak_memory, 256u * 1024u);
}

TEST_F(flood_fixture, empty_data_frames) {
  server->receive(frame(NGHTTP2_HEADERS, end_headers, 1,
                        hpack_literals({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}})));
  const int frames = feed_until_refused(100000, [](int) { return frame(NGHTTP2_DATA, 0, 1, ""); });
  EXPECT_LE(frames, 101);
  EXPECT_EQ(server->flood(), flood_kind::empty_frame);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(handler.closed.size(), 0u);  // the stream was never closed: no on_stream_closed after destruction
}

TEST_F(flood_fixture, empty_header_frames) {
  const int frames = feed_until_refused(1000, [](int i) {
    const auto id = static_cast<std::uint32_t>(2 * i + 1);
    // An empty HEADERS block: malformed (no pseudo-headers), reset, and counted as empty.
    return frame(NGHTTP2_HEADERS, end_headers | end_stream, id, "");
  });
  EXPECT_LE(frames, 101);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(flood_fixture, priority_frames) {
  const int frames = feed_until_refused(100000, [](int i) {
    return frame(NGHTTP2_PRIORITY, 0, static_cast<std::uint32_t>(2 * (i % 1000) + 1), u32(0) + std::string(1, '\x10'));
  });
  EXPECT_LE(frames, 1001);
  EXPECT_EQ(server->flood(), flood_kind::priority);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(flood_fixture, window_update_frames) {
  const int frames = feed_until_refused(100000, [](int) { return frame(NGHTTP2_WINDOW_UPDATE, 0, 0, u32(1)); });
  EXPECT_LE(frames, 1001);
  EXPECT_EQ(server->flood(), flood_kind::window_update);
  expect_cut_off(NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(flood_fixture, window_updates_that_acknowledge_data_are_not_a_flood) {
  config.flood.max_window_updates = 10;
  start();
  h2_client client(false, {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 2048}});
  memory_body body(std::string(512 * 1024, 'd'));
  handler.answer = [&](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::uint64_t{512 * 1024}, {}}, &body);
  };
  // The client's own preface would be a second one: a fresh server for the client.
  server = make_server(handler, clock, config, limits);
  const auto id = client.get("/big");
  for (int round = 0; round < 2000 && !client.responses[id].ended; ++round) {
    client.pump(*server);
    nghttp2_session_consume(client.session(), id, client.bytes_from_server);
    client.bytes_from_server = 0;
  }
  EXPECT_TRUE(client.responses[id].ended);
  EXPECT_EQ(client.responses[id].body.size(), 512u * 1024u);
  EXPECT_FALSE(server->flood().has_value());
}

// CVE-2025-8671 ("MadeYouReset"): frames that make the server reset a stream. A zero
// WINDOW_UPDATE on a stream and DATA on a stream the client ended are connection errors
// (PROTOCOL_ERROR, STREAM_CLOSED, as nghttp2 1.52 patched by Debian does), so one such frame
// ends the connection.
TEST_F(flood_fixture, zero_window_update_on_a_stream_ends_the_connection) {
  EXPECT_TRUE(server->receive(get_request(1)));
  server->receive(frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(0)));
  expect_cut_off(NGHTTP2_PROTOCOL_ERROR);
}

TEST_F(flood_fixture, data_after_end_stream_ends_the_connection) {
  EXPECT_TRUE(server->receive(get_request(1)));
  server->receive(frame(NGHTTP2_DATA, 0, 1, "x"));
  expect_cut_off(NGHTTP2_STREAM_CLOSED);
}

// What still resets a single stream: malformed requests. Counted per window.
TEST_F(flood_fixture, provoked_resets_by_malformed_requests) {
  const int frames = feed_until_refused(100000, [](int i) {
    return frame(NGHTTP2_HEADERS, end_headers | end_stream, static_cast<std::uint32_t>(2 * i + 1),
                 hpack_literals({{":method", "GET"}, {":scheme", "http"}, {":authority", "h"}}));  // no :path
  });
  EXPECT_LE(frames, 101);
  EXPECT_EQ(server->flood(), flood_kind::provoked_reset);
  const auto out = output();
  EXPECT_EQ(goaway_code(out), NGHTTP2_ENHANCE_YOUR_CALM);
  for (const auto& [id, c] : handler.closed) EXPECT_EQ(c.calls, 1) << id;
}

TEST_F(flood_fixture, provoked_resets_spread_over_time_are_fine) {
  const int frames = feed_until_refused(500, [this](int i) {
    clock.now += std::chrono::milliseconds(200);  // 5 per second: 50 per 10 s window, limit 100
    return frame(NGHTTP2_HEADERS, end_headers | end_stream, static_cast<std::uint32_t>(2 * i + 1),
                 hpack_literals({{":method", "GET"}, {":scheme", "http"}, {":authority", "h"}}));
  }, true);
  EXPECT_EQ(frames, 501);
}

TEST_F(flood_fixture, stream_id_regression_is_a_connection_error) {
  EXPECT_TRUE(server->receive(get_request(5)));
  EXPECT_FALSE(server->receive(get_request(3)));
  expect_cut_off(NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(handler.requests.count(3), 0u);
}

TEST_F(flood_fixture, trailers_on_an_open_lower_stream_are_not_a_regression) {
  const std::string post = hpack_literals({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}});
  EXPECT_TRUE(server->receive(frame(NGHTTP2_HEADERS, end_headers, 1, post) + get_request(3)));
  EXPECT_TRUE(server->receive(frame(NGHTTP2_HEADERS, end_headers | end_stream, 1, hpack_literals({{"x-t", "1"}}))));
  EXPECT_EQ(handler.requests.count(1), 1u);
  EXPECT_EQ(handler.requests.count(3), 1u);
  EXPECT_FALSE(goaway_code(output()).has_value());
}

TEST_F(flood_fixture, a_bad_preface_ends_the_connection) {
  server = make_server(handler, clock, config, limits);
  EXPECT_FALSE(server->receive(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string out;
  server->produce(out, 1 << 16);
  EXPECT_EQ(goaway_code(parse_frames(out)), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_FALSE(server->wants_read());
  EXPECT_FALSE(server->wants_write());
}

// An HPACK "bomb": one large table entry referenced by one-byte indexes decodes to far more
// than was sent. The stream is reset long before the block is decoded field by field.
TEST_F(flood_fixture, hpack_bomb_resets_the_stream_and_keeps_the_connection) {
  std::string block = get_headers_block("/");
  block.push_back(0x40);  // literal with incremental indexing, new name: index 62 afterwards
  block += hpack_literals({{"x-bomb", std::string(3000, 'b')}}).substr(1);
  block.append(8000, static_cast<char>(0x80 | 62));  // 8000 references: 24 MB decoded
  std::string frames_out;
  for (std::size_t at = 0; at < block.size(); at += 8000) {
    const bool first = at == 0;
    const bool last = at + 8000 >= block.size();
    frames_out += frame(first ? NGHTTP2_HEADERS : NGHTTP2_CONTINUATION,
                        static_cast<std::uint8_t>((last ? end_headers : 0) | (first ? end_stream : 0)), 1,
                        block.substr(at, 8000));
  }
  EXPECT_TRUE(server->receive(frames_out));
  EXPECT_TRUE(server->receive(get_request(3)));
  const auto out = output();
  // The client's doing, not ours: ENHANCE_YOUR_CALM, and only one RST_STREAM for the stream.
  EXPECT_EQ(rst_code(out, 1), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(std::count_if(out.begin(), out.end(),
                          [](const parsed_frame& f) { return f.type == NGHTTP2_RST_STREAM && f.stream_id == 1; }),
            1);
  EXPECT_FALSE(goaway_code(out).has_value());
  EXPECT_EQ(handler.requests.count(1), 0u);
  EXPECT_EQ(handler.requests.count(3), 1u);
}

}  // namespace
}  // namespace ferry::h2test
