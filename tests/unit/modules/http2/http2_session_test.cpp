// The server session against a real nghttp2 client, in memory: the preface, request mapping,
// responses with bodies under flow control, and stream lifetimes.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {

using fields = h2_client::fields;

const std::pair<std::string_view, std::string_view> date_field{"Date", "Tue, 01 Dec 2026 10:00:00 GMT"};

struct session_fixture : ::testing::Test {
  recording_handler handler;
  fake_clock clock;
  http2_config config;
  http2_limits limits;
  std::unique_ptr<http2_server_session> server;
  std::vector<std::unique_ptr<memory_body>> bodies;

  void start() { server = make_server(handler, clock, config, limits); }
  void SetUp() override { start(); }

  memory_body* body(std::string data, std::size_t piece = SIZE_MAX, bool eof_apart = false) {
    bodies.push_back(std::make_unique<memory_body>(std::move(data), piece, eof_apart));
    return bodies.back().get();
  }
  // Answers every request at once with `text` as the body.
  void answer_with(std::string text) {
    handler.answer = [this, text](std::int32_t id, const request&) {
      const std::pair<std::string_view, std::string_view> f[] = {date_field, {"Content-Type", "text/plain"}};
      server->respond(id, {200, f, text.size(), {}}, body(text));
    };
  }
  void expect_closed_once() {
    for (const auto& [id, c] : handler.closed) EXPECT_EQ(c.calls, 1) << "stream " << id;
  }
};

TEST_F(session_fixture, server_settings_come_first_and_are_acknowledged) {
  EXPECT_TRUE(server->wants_write());
  std::string out;
  server->produce(out, 1 << 16);
  const auto frames = parse_frames(out);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0].type, NGHTTP2_SETTINGS);
  EXPECT_EQ(frames[0].flags, 0);
  std::map<std::int32_t, std::uint32_t> values;
  const std::string& p = frames[0].payload;
  ASSERT_EQ(p.size() % 6, 0u);
  for (std::size_t i = 0; i < p.size(); i += 6) {
    const auto id = (static_cast<unsigned char>(p[i]) << 8) | static_cast<unsigned char>(p[i + 1]);
    values[id] = be32(std::string_view(p).substr(i + 2, 4));
  }
  EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS], 100u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_FRAME_SIZE], 16384u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE], 65535u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_HEADER_TABLE_SIZE], 4096u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE], 8192u);
  EXPECT_EQ(values[NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES], 1u);
  EXPECT_FALSE(server->wants_write());

  // The client's preface and SETTINGS are acknowledged.
  EXPECT_TRUE(server->receive(client_preface()));
  out.clear();
  server->produce(out, 1 << 16);
  const auto reply = parse_frames(out);
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].type, NGHTTP2_SETTINGS);
  EXPECT_EQ(reply[0].flags, NGHTTP2_FLAG_ACK);
  EXPECT_TRUE(server->wants_read());
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST_F(session_fixture, get_maps_pseudo_headers_and_fields) {
  answer_with("hello");
  h2_client client;
  const auto id = client.get("/docs/index.html?lang=en&x", {{"accept", "text/html"}, {"x-thing", "a b"}});
  client.pump(*server);

  ASSERT_EQ(handler.requests.count(id), 1u);
  const recorded_request& r = handler.requests[id];
  EXPECT_EQ(r.method, http_method::get);
  EXPECT_EQ(r.method_name, "GET");
  EXPECT_EQ(r.target, "/docs/index.html?lang=en&x");
  EXPECT_EQ(r.path, "/docs/index.html");
  EXPECT_TRUE(r.has_query);
  EXPECT_EQ(r.query, "lang=en&x");
  EXPECT_EQ(r.authority, "example.com");
  EXPECT_EQ(r.version_major, 2);
  EXPECT_EQ(r.version_minor, 0);
  EXPECT_TRUE(r.keep_alive);
  const fields expected{{"accept", "text/html"}, {"x-thing", "a b"}};
  EXPECT_EQ(r.headers, expected);

  const client_response& response = client.responses[id];
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_TRUE(response.ended);
  EXPECT_EQ(response.header("content-length"), "5");
  EXPECT_EQ(response.header("content-type"), "text/plain");  // lower-cased
  EXPECT_EQ(response.header("date"), "Tue, 01 Dec 2026 10:00:00 GMT");
  ASSERT_EQ(handler.closed.count(id), 1u);
  EXPECT_TRUE(handler.closed[id].response_complete);
  EXPECT_EQ(handler.closed[id].body_bytes, 5u);
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST_F(session_fixture, query_splits_at_the_first_question_mark) {
  answer_with("");
  h2_client client;
  const auto a = client.get("/a?b?c");
  const auto b = client.get("/plain");
  const auto c = client.get("/empty?");
  client.pump(*server);
  EXPECT_EQ(handler.requests[a].path, "/a");
  EXPECT_EQ(handler.requests[a].query, "b?c");
  EXPECT_FALSE(handler.requests[b].has_query);
  EXPECT_EQ(handler.requests[b].path, "/plain");
  EXPECT_TRUE(handler.requests[c].has_query);
  EXPECT_EQ(handler.requests[c].query, "");
}

TEST_F(session_fixture, cookie_crumbs_are_joined_into_one_field) {
  answer_with("");
  h2_client client;
  const auto id = client.get("/", {{"cookie", "a=1"}, {"accept", "*/*"}, {"cookie", "b=2"}, {"cookie", "c=3"}});
  client.pump(*server);
  const fields expected{{"accept", "*/*"}, {"cookie", "a=1; b=2; c=3"}};
  EXPECT_EQ(handler.requests[id].headers, expected);
}

TEST_F(session_fixture, request_views_stay_valid_until_the_stream_closes) {
  h2_client client;
  std::string long_value(3000, 'v');
  const auto id = client.get("/x?y", {{"a", "1"}, {"b", long_value}, {"cookie", "k=1"}, {"cookie", "j=2"}});
  client.pump(*server);
  ASSERT_EQ(handler.live_requests.count(id), 1u);
  // Other streams come and go meanwhile.
  answer_with("z");
  for (int i = 0; i < 20; ++i) client.get("/other" + std::to_string(i), {{"q", std::string(500, 'q')}});
  client.pump(*server);
  const request& req = *handler.live_requests[id];
  EXPECT_EQ(req.target, "/x?y");
  EXPECT_EQ(req.header("b"), long_value);
  EXPECT_EQ(req.header("cookie"), "k=1; j=2");
  server->respond(id, {204, {}, std::nullopt, {}}, nullptr);
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 204);
  expect_closed_once();
}

TEST_F(session_fixture, host_header_stands_in_for_a_missing_authority) {
  answer_with("");
  h2_client client;
  const auto id = client.submit({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "files.example"}});
  const auto bad = client.submit(
      {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "a.example"}, {"host", "b.example"}});
  const auto same = client.submit(
      {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "a.example"}, {"host", "A.example"}});
  client.pump(*server);
  EXPECT_EQ(handler.requests[id].authority, "files.example");
  EXPECT_EQ(handler.requests.count(bad), 0u);
  EXPECT_EQ(client.responses[bad].reset_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(handler.requests[same].authority, "a.example");
  expect_closed_once();
}

TEST_F(session_fixture, methods_map_to_the_enum) {
  answer_with("");
  h2_client client;
  const auto head = client.submit({{":method", "HEAD"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}});
  const auto options = client.submit({{":method", "OPTIONS"}, {":scheme", "http"}, {":path", "*"}, {":authority", "h"}});
  const auto other = client.submit({{":method", "PROPFIND"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}});
  const auto connect = client.submit({{":method", "CONNECT"}, {":authority", "h:443"}});
  client.pump(*server);
  EXPECT_EQ(handler.requests[head].method, http_method::head);
  EXPECT_EQ(handler.requests[options].method, http_method::options);
  EXPECT_EQ(handler.requests[options].target, "*");
  EXPECT_EQ(handler.requests[other].method, http_method::other_known);
  EXPECT_EQ(handler.requests[other].method_name, "PROPFIND");
  EXPECT_EQ(handler.requests[connect].method, http_method::connect);
  EXPECT_EQ(handler.requests[connect].authority, "h:443");
  EXPECT_EQ(handler.requests[connect].target, "");
}

TEST_F(session_fixture, head_response_carries_length_without_body) {
  handler.answer = [this](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::uint64_t{1234}, {}}, nullptr);
  };
  h2_client client;
  const auto id = client.submit({{":method", "HEAD"}, {":scheme", "http"}, {":path", "/f"}, {":authority", "h"}});
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(client.responses[id].header("content-length"), "1234");
  EXPECT_EQ(client.responses[id].body, "");
  EXPECT_TRUE(client.responses[id].ended);
  EXPECT_TRUE(handler.closed[id].response_complete);
  EXPECT_EQ(handler.closed[id].body_bytes, 0u);
}

TEST_F(session_fixture, connection_specific_and_invalid_response_fields_are_dropped) {
  handler.answer = [this](std::int32_t id, const request&) {
    const std::pair<std::string_view, std::string_view> f[] = {
        {"Connection", "close"}, {"Keep-Alive", "timeout=5"}, {"Transfer-Encoding", "chunked"},
        {"Upgrade", "h2c"},      {"X-Ok", "yes"},             {"Content-Length", "99"},
        {"Bad Name", "v"},       {"x-crlf", "a\r\nb"},        {":status", "500"},
        {"x-lead", " v"},        {"x-del", "a\x7f"},          {"X-Tab", "a\tb"}};
    server->respond(id, {201, f, std::uint64_t{2}, {}}, body("ok"));
  };
  h2_client client;
  const auto id = client.get("/");
  client.pump(*server);
  const client_response& r = client.responses[id];
  EXPECT_EQ(r.status, 201);
  const fields expected{{"x-ok", "yes"}, {"x-tab", "a\tb"}, {"content-length", "2"}};
  EXPECT_EQ(r.headers, expected);
  EXPECT_EQ(r.body, "ok");
}

// Fields new in every response (request id, traceparent) would only push the repeating ones
// out of the client's HPACK table: they go "never indexed", the others as usual. Their names
// are in no static entry, so the first values enter the table once, for the rest to name.
TEST_F(session_fixture, fields_named_never_indexed_enter_the_hpack_table_only_once) {
  handler.answer = [this](std::int32_t id, const request&) {
    const std::pair<std::string_view, std::string_view> f[] = {
        date_field, {"X-Request-Id", "0123456789abcdef"}, {"traceparent", "00-aa-bb-01"}, {"ETag", "\"x\""}};
    const std::string_view unique[] = {"x-request-ID", "Traceparent"};
    server->respond(id, {200, f, std::uint64_t{2}, unique}, body("ok"));
  };
  h2_client client;
  const auto first = client.get("/");
  const auto second = client.get("/");
  client.pump(*server);
  for (const auto id : {first, second}) {
    const client_response& r = client.responses[id];
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-request-id"), "0123456789abcdef");
    EXPECT_EQ(r.header("traceparent"), "00-aa-bb-01");
    const std::vector<std::string> expected_never{"x-request-id", "traceparent"};
    EXPECT_EQ(r.never_indexed, id == first ? std::vector<std::string>() : expected_never);
  }
}

// A head larger than the client's frame size goes out as HEADERS and CONTINUATION frames, none
// larger than 16384 bytes, and the next response on the connection decodes too.
TEST_F(session_fixture, a_head_larger_than_a_frame_is_continued) {
  const std::string big(40000, 'b');
  handler.answer = [this, &big](std::int32_t id, const request&) {
    const std::pair<std::string_view, std::string_view> f[] = {date_field, {"X-Big", big}};
    server->respond(id, {200, f, std::uint64_t{2}, {}}, body("ok"));
  };
  h2_client client;
  const auto first = client.get("/");
  std::string out;
  client.flush_to(*server);
  server->produce(out, 1 << 20);
  const auto frames = parse_frames(out);
  std::size_t continuations = 0;
  for (const auto& f : frames) {
    EXPECT_LE(f.payload.size(), 16384u);
    if (f.type == NGHTTP2_CONTINUATION) ++continuations;
  }
  EXPECT_EQ(continuations, 2u);
  ASSERT_EQ(nghttp2_session_mem_recv(client.session(), reinterpret_cast<const std::uint8_t*>(out.data()), out.size()),
            static_cast<ssize_t>(out.size()));
  const auto second = client.get("/");
  client.pump(*server);
  for (const auto id : {first, second}) {
    EXPECT_TRUE(client.responses[id].header("x-big") == big) << "stream " << id;
    EXPECT_EQ(client.responses[id].body, "ok");
    EXPECT_FALSE(client.responses[id].reset_code.has_value()) << *client.responses[id].reset_code;
  }
}

// A response that ends with its HEADERS frame closes its stream as those bytes are produced;
// a handler answering another stream from that close must see its HEADERS go out before any
// of its DATA, in the same produce() (found by the session fuzzer).
TEST_F(session_fixture, an_answer_made_while_a_stream_closes_sends_its_head_first) {
  const std::string big(20000, 'b');  // the first head takes a CONTINUATION frame
  handler.answer = [this, &big](std::int32_t id, const request&) {
    if (id != 1) return;
    const std::pair<std::string_view, std::string_view> f[] = {date_field, {"X-Big", big}};
    server->respond(id, {204, f, std::nullopt, {}}, nullptr);
  };
  handler.closing = [this](std::int32_t id) {
    if (id == 1) server->respond(3, {200, {}, std::uint64_t{4}, {}}, body("late"));
  };
  h2_client client;
  ASSERT_EQ(client.get("/first"), 1);
  ASSERT_EQ(client.get("/second"), 3);
  client.flush_to(*server);
  std::string out;
  server->produce(out, 1 << 20);
  std::optional<std::size_t> head_at, data_at;
  const auto frames = parse_frames(out);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].stream_id != 3) continue;
    if (frames[i].type == NGHTTP2_HEADERS && !head_at) head_at = i;
    if (frames[i].type == NGHTTP2_DATA && !data_at) data_at = i;
  }
  ASSERT_TRUE(head_at.has_value());
  ASSERT_TRUE(data_at.has_value());
  EXPECT_LT(*head_at, *data_at);
  ASSERT_EQ(nghttp2_session_mem_recv(client.session(), reinterpret_cast<const std::uint8_t*>(out.data()), out.size()),
            static_cast<ssize_t>(out.size()));
  EXPECT_EQ(client.responses[1].status, 204);
  EXPECT_EQ(client.responses[3].body, "late");
  EXPECT_TRUE(client.responses[3].ended);
  expect_closed_once();
}

TEST_F(session_fixture, many_streams_answered_out_of_order) {
  h2_client client;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(client.get("/file" + std::to_string(i)));
  client.pump(*server);
  ASSERT_EQ(handler.order.size(), ids.size());
  EXPECT_EQ(server->open_streams(), ids.size());
  std::vector<std::int32_t> reversed(ids.rbegin(), ids.rend());
  for (std::size_t i = 0; i < reversed.size(); ++i) {
    const std::int32_t id = reversed[i];
    std::string text = "body of " + std::to_string(id) + std::string(static_cast<std::size_t>(id) * 100, 'x');
    const std::uint64_t size = text.size();
    server->respond(id, {200, {}, size, {}}, body(std::move(text), 777));
    if (i % 7 == 0) client.pump(*server);  // some answered while others are still pending
  }
  client.pump(*server);
  for (const std::int32_t id : ids) {
    const client_response& r = client.responses[id];
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), std::string("body of ").size() + std::to_string(id).size() + static_cast<std::size_t>(id) * 100);
    EXPECT_TRUE(handler.closed[id].response_complete);
    EXPECT_EQ(handler.closed[id].body_bytes, r.body.size());
  }
  expect_closed_once();
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST_F(session_fixture, large_body_respects_the_client_window) {
  const nghttp2_settings_entry small_window{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4096};
  h2_client client(false, {small_window});
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 23);
  memory_body* source = nullptr;
  handler.answer = [&](std::int32_t id, const request&) {
    source = body(data);
    server->respond(id, {200, {}, std::uint64_t{data.size()}, {}}, source);
  };
  const auto id = client.get("/big");
  client.pump(*server);
  // Nothing beyond the stream window was sent before the client gave window back.
  EXPECT_EQ(client.bytes_from_server, 4096u);
  std::size_t rounds = 0;
  std::size_t consumed = 0;
  while (!client.responses[id].ended && rounds < 10000) {
    const std::size_t before = client.bytes_from_server;
    nghttp2_session_consume(client.session(), id, before - consumed);
    consumed = before;
    client.pump(*server);
    // Each round moves at most what was given back (the window stays at 4096 per stream).
    EXPECT_LE(client.bytes_from_server - before, 4096u);
    ++rounds;
  }
  EXPECT_GT(rounds, 200u);
  EXPECT_EQ(client.responses[id].body, data);
  ASSERT_NE(source, nullptr);
  EXPECT_LE(source->largest_request, 16384u);  // read into the frame, never the whole file
  EXPECT_TRUE(handler.closed[id].response_complete);
  EXPECT_EQ(handler.closed[id].body_bytes, data.size());
}

TEST_F(session_fixture, eof_reported_by_a_separate_empty_read) {
  handler.answer = [this](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::nullopt, {}}, body("abcdefghij", 3, true));
  };
  h2_client client;
  const auto id = client.get("/");
  client.pump(*server);
  EXPECT_EQ(client.responses[id].body, "abcdefghij");
  EXPECT_TRUE(client.responses[id].ended);
  EXPECT_EQ(client.responses[id].header("content-length"), "<absent>");
  EXPECT_TRUE(handler.closed[id].response_complete);
}

TEST_F(session_fixture, body_read_error_resets_the_stream) {
  handler.answer = [this](std::int32_t id, const request&) {
    memory_body* b = body(std::string(50000, 'x'), 1000);
    b->fail_at = 20000;
    server->respond(id, {200, {}, std::uint64_t{50000}, {}}, b);
  };
  h2_client client;
  const auto id = client.get("/");
  const auto next = client.get("/next");
  client.pump(*server);
  EXPECT_EQ(client.responses[id].reset_code, NGHTTP2_INTERNAL_ERROR);
  EXPECT_FALSE(handler.closed[id].response_complete);
  EXPECT_EQ(client.responses[next].reset_code, NGHTTP2_INTERNAL_ERROR);  // same failing source setup
  EXPECT_TRUE(server->wants_read());
  expect_closed_once();
}

TEST_F(session_fixture, respond_to_a_closed_or_unknown_stream_is_ignored) {
  h2_client client;
  const auto id = client.get("/slow");
  client.pump(*server);
  ASSERT_EQ(handler.requests.count(id), 1u);
  nghttp2_submit_rst_stream(client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  client.pump(*server);
  ASSERT_EQ(handler.closed.count(id), 1u);
  EXPECT_FALSE(handler.closed[id].response_complete);
  server->respond(id, {200, {}, std::uint64_t{1}, {}}, body("x"));
  server->respond(999, {200, {}, std::uint64_t{1}, {}}, body("x"));
  EXPECT_FALSE(server->wants_write());
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 0);
  EXPECT_EQ(handler.closed[id].calls, 1);
}

TEST_F(session_fixture, a_second_respond_is_ignored) {
  handler.answer = [this](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::uint64_t{3}, {}}, body("one"));
    server->respond(id, {500, {}, std::uint64_t{3}, {}}, body("two"));
  };
  h2_client client;
  const auto id = client.get("/");
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(client.responses[id].body, "one");
}

TEST_F(session_fixture, client_reset_mid_body_closes_the_stream_once) {
  const nghttp2_settings_entry small_window{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 10000};
  h2_client client(false, {small_window});
  handler.answer = [this](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::uint64_t{1 << 20}, {}}, body(std::string(1 << 20, 'b')));
  };
  const auto id = client.get("/big");
  client.pump(*server);
  EXPECT_EQ(client.bytes_from_server, 10000u);
  nghttp2_submit_rst_stream(client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  client.pump(*server);
  ASSERT_EQ(handler.closed.count(id), 1u);
  EXPECT_FALSE(handler.closed[id].response_complete);
  EXPECT_EQ(handler.closed[id].body_bytes, 10000u);
  EXPECT_EQ(server->open_streams(), 0u);
  // The connection goes on.
  answer_with("ok");
  const auto next = client.get("/next");
  client.pump(*server);
  EXPECT_EQ(client.responses[next].body, "ok");
  expect_closed_once();
}

TEST_F(session_fixture, request_body_within_the_limit_is_discarded_and_the_request_delivered) {
  answer_with("done");
  h2_client client;
  const std::string upload(300000, 'u');  // several windows: the server must give them back
  const auto id = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/up"}, {":authority", "h"},
                                 {"content-length", std::to_string(upload.size())}},
                                upload);
  client.pump(*server);
  ASSERT_EQ(handler.requests.count(id), 1u);
  EXPECT_EQ(handler.requests[id].content_length, upload.size());
  EXPECT_EQ(handler.requests[id].method, http_method::other_known);
  EXPECT_EQ(client.responses[id].body, "done");
  // Trailers end a request too.
  const auto with_trailers = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/t"}, {":authority", "h"}}, std::string("abc"));
  client.pump(*server);
  EXPECT_EQ(client.responses[with_trailers].body, "done");
}

TEST_F(session_fixture, request_trailers_end_the_request) {
  answer_with("t");
  const std::string post = hpack_literals({{":method", "POST"}, {":scheme", "http"}, {":path", "/t"}, {":authority", "h"}});
  EXPECT_TRUE(server->receive(client_preface() + frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, post) +
                              frame(NGHTTP2_DATA, 0, 1, "abc")));
  EXPECT_EQ(handler.requests.count(1), 0u);  // not before the request ends
  EXPECT_TRUE(server->receive(
      frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1, hpack_literals({{"x-sum", "1"}}))));
  ASSERT_EQ(handler.requests.count(1), 1u);
  EXPECT_EQ(handler.requests[1].path, "/t");
  std::string out;
  server->produce(out, 1 << 16);
  const auto frames = parse_frames(out);
  EXPECT_TRUE(std::any_of(frames.begin(), frames.end(), [](const parsed_frame& f) {
    return f.type == NGHTTP2_DATA && f.stream_id == 1 && f.payload == "t";
  }));
}

TEST_F(session_fixture, shutdown_sends_goaway_and_lets_open_streams_finish) {
  h2_client client;
  const auto id = client.get("/pending");
  client.pump(*server);
  ASSERT_EQ(handler.requests.count(id), 1u);
  server->shutdown();
  EXPECT_TRUE(server->wants_write());
  client.pump(*server);
  EXPECT_EQ(client.goaway_code, NGHTTP2_NO_ERROR);
  EXPECT_EQ(client.goaway_last_stream, id);
  EXPECT_TRUE(server->wants_read());  // the stream is still open
  server->respond(id, {200, {}, std::uint64_t{4}, {}}, body("last"));
  client.pump(*server);
  EXPECT_EQ(client.responses[id].body, "last");
  EXPECT_FALSE(server->wants_read());
  EXPECT_FALSE(server->wants_write());
}

TEST_F(session_fixture, shutdown_when_idle_ends_at_once) {
  h2_client client;
  client.pump(*server);
  server->shutdown();
  server->shutdown();  // twice is harmless
  client.pump(*server);
  EXPECT_EQ(client.goaway_code, NGHTTP2_NO_ERROR);
  EXPECT_EQ(client.goaway_last_stream, 0);
  EXPECT_FALSE(server->wants_read());
  EXPECT_FALSE(server->wants_write());
}

// An idle connection gives back its scratch memory (the encoder's remembered heads and dynamic
// table, its buffers and stream lists); the next response empties the client's table of our
// entries with a size update and still decodes as before. The decoder's table stays (the client
// may refer to it), and a session with a stream open keeps everything.
TEST_F(session_fixture, idle_memory_is_released_and_the_next_response_decodes_alike) {
  const std::string etag = "\"a-long-validator-0123456789abcdef\"";
  handler.answer = [this, etag](std::int32_t id, const request&) {
    const std::pair<std::string_view, std::string_view> f[] = {
        date_field, {"Content-Type", "text/html; charset=utf-8"}, {"ETag", etag},
        {"Last-Modified", "Fri, 27 Nov 2026 09:00:00 GMT"}, {"X-Request-Id", "0123456789abcdef0123"}};
    const std::string_view unique[] = {"x-request-id"};
    server->respond(id, {200, f, std::uint64_t{2}, unique}, body("ok"));
  };
  h2_client client;
  const auto first = client.get("/");
  client.pump(*server);
  const std::size_t warm = server->memory_in_use();
  server->release_idle_memory();
  const std::size_t released = server->memory_in_use();
  EXPECT_LT(released + 200, warm) << "warm " << warm << ", released " << released;
  // Asked about deadlines and what it wants, the idle session makes nothing again.
  server->check_deadlines(std::chrono::steady_clock::now() + std::chrono::hours(1));
  EXPECT_FALSE(server->wants_write());
  EXPECT_TRUE(server->wants_read());
  EXPECT_EQ(server->open_streams(), 0u);
  EXPECT_EQ(server->memory_in_use(), released);
  const auto second = client.get("/");
  client.pump(*server);
  EXPECT_EQ(client.responses[second].headers, client.responses[first].headers);
  EXPECT_EQ(client.responses[second].body, "ok");
  EXPECT_GT(server->memory_in_use(), released);

  // With a stream open (its body waits for a resume), nothing is released.
  handler.answer = [this](std::int32_t id, const request&) {
    server->respond(id, {200, {}, std::uint64_t{2}, {}}, body("ok"));
  };
  const auto third = client.get("/");
  client.pump(*server);
  EXPECT_TRUE(client.responses[third].ended);
  handler.answer = nullptr;
  const auto open = client.get("/");
  client.pump(*server);
  const std::size_t busy = server->memory_in_use();
  server->release_idle_memory();
  EXPECT_EQ(server->memory_in_use(), busy);
  server->respond(open, {200, {}, std::uint64_t{2}, {}}, body("ok"));
  client.pump(*server);
  EXPECT_EQ(client.responses[open].body, "ok");

  // Shut down after its memory went back, the session still says goodbye properly.
  server->release_idle_memory();
  server->shutdown();
  EXPECT_TRUE(server->wants_write());
  client.pump(*server);
  EXPECT_EQ(client.goaway_code, NGHTTP2_NO_ERROR);
  EXPECT_EQ(client.goaway_last_stream, open);
  EXPECT_FALSE(server->wants_read());
}

// RFC 9113 §5.1.2 allows either answer; the session refuses the stream while our SETTINGS are
// unacknowledged and treats it as a connection error once the client has acknowledged them.
TEST_F(session_fixture, streams_over_the_concurrency_limit_are_refused_before_the_settings_ack) {
  config.max_concurrent_streams = 2;
  start();
  std::string raw = client_preface();
  for (std::uint32_t id = 1; id <= 5; id += 2) {
    raw += frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, get_headers_block("/c"));
  }
  EXPECT_TRUE(server->receive(raw));
  std::string out;
  server->produce(out, 1 << 16);
  EXPECT_EQ(rst_code(parse_frames(out), 5), NGHTTP2_REFUSED_STREAM);
  EXPECT_EQ(handler.requests.size(), 2u);
  EXPECT_EQ(server->open_streams(), 2u);
  EXPECT_TRUE(server->wants_read());
}

TEST_F(session_fixture, streams_over_the_acknowledged_concurrency_limit_end_the_connection) {
  config.max_concurrent_streams = 2;
  start();
  h2_client client;
  client.get("/a");
  client.get("/b");
  client.pump(*server);
  EXPECT_EQ(server->open_streams(), 2u);
  // A client that ignores the limit (raw frame: HPACK literals leave the tables alone).
  server->receive(frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 101, get_headers_block("/c")));
  std::string out;
  server->produce(out, 1 << 16);
  EXPECT_EQ(goaway_code(parse_frames(out)), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(handler.requests.size(), 2u);
  EXPECT_FALSE(server->wants_read());
}

TEST_F(session_fixture, streams_closed_without_a_request_still_get_one_close) {
  h2_client client;
  const auto bad = client.submit({{":method", "GET"}, {":scheme", "http"}, {":authority", "h"}});  // no :path
  client.pump(*server);
  EXPECT_EQ(handler.requests.count(bad), 0u);
  ASSERT_EQ(handler.closed.count(bad), 1u);
  EXPECT_FALSE(handler.closed[bad].response_complete);
}

}  // namespace
}  // namespace ferry::h2test
