// Requests over the limits (431, 414, 413) and malformed requests (stream reset PROTOCOL_ERROR):
// the session answers or resets the stream and the connection serves the next request.
#include <gtest/gtest.h>

#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {

using fields = h2_client::fields;

struct limits_fixture : ::testing::Test {
  recording_handler handler;
  fake_clock clock;
  http2_config config;
  http2_limits limits;
  std::unique_ptr<http2_server_session> server;
  memory_body ok_body{"ok"};
  h2_client client;

  void SetUp() override {
    start();
  }
  void start() {
    server = make_server(handler, clock, config, limits);
    handler.answer = [this](std::int32_t id, const request&) {
      server->respond(id, {200, {}, std::uint64_t{0}, {}}, nullptr);
    };
  }
  // The connection still serves a plain GET.
  void expect_next_request_served() {
    const auto id = client.get("/next");
    client.pump(*server);
    EXPECT_EQ(client.responses[id].status, 200) << "the connection did not serve the next request";
    EXPECT_TRUE(server->wants_read());
  }
  void expect_answered_by_session(std::int32_t id, int status) {
    EXPECT_EQ(client.responses[id].status, status);
    EXPECT_TRUE(client.responses[id].ended);
    EXPECT_EQ(handler.requests.count(id), 0u) << "the core saw a request the session answered";
    ASSERT_EQ(handler.closed.count(id), 1u);
    EXPECT_EQ(handler.closed[id].calls, 1);
    EXPECT_TRUE(handler.closed[id].response_complete);
  }
  void expect_reset(std::int32_t id, std::uint32_t code) {
    EXPECT_EQ(client.responses[id].reset_code, code);
    EXPECT_EQ(handler.requests.count(id), 0u);
    EXPECT_EQ(handler.closed.count(id), 1u);
  }
};

TEST_F(limits_fixture, too_many_fields_get_431) {
  fields extra;
  for (int i = 0; i < 65; ++i) extra.emplace_back("x-f" + std::to_string(i), "v");
  const auto id = client.get("/", extra);
  client.pump(*server);
  expect_answered_by_session(id, 431);
  expect_next_request_served();
}

TEST_F(limits_fixture, exactly_the_field_limit_is_served) {
  fields extra;
  for (int i = 0; i < 64; ++i) extra.emplace_back("x-f" + std::to_string(i), "v");
  const auto id = client.get("/", extra);
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(handler.requests[id].headers.size(), 64u);
}

TEST_F(limits_fixture, a_large_head_gets_431) {
  const auto id = client.get("/", {{"x-big", std::string(9000, 'a')}});
  client.pump(*server);
  expect_answered_by_session(id, 431);
  expect_next_request_served();
}

TEST_F(limits_fixture, many_cookie_crumbs_count_as_one_field_but_all_their_bytes) {
  fields crumbs;
  for (int i = 0; i < 100; ++i) crumbs.emplace_back("cookie", "c" + std::to_string(i) + "=1");
  const auto id = client.get("/", crumbs);  // 100 crumbs * ~45 bytes: within 8 KiB, one field
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 200);
  ASSERT_EQ(handler.requests[id].headers.size(), 1u);
  EXPECT_EQ(handler.requests[id].headers[0].second.substr(0, 14), "c0=1; c1=1; c2");
  fields more;
  for (int i = 0; i < 200; ++i) more.emplace_back("cookie", "c" + std::to_string(i) + "=1");
  const auto big = client.get("/", more);
  client.pump(*server);
  expect_answered_by_session(big, 431);
}

TEST_F(limits_fixture, a_head_far_over_the_limit_is_reset_without_decoding_it_all) {
  fields extra;
  for (int i = 0; i < 10; ++i) extra.emplace_back("x-big" + std::to_string(i), std::string(4000, 'a'));
  const auto id = client.get("/", extra);  // 40 KiB: more than four times 8 KiB
  client.pump(*server);
  expect_reset(id, NGHTTP2_ENHANCE_YOUR_CALM);
  expect_next_request_served();
}

TEST_F(limits_fixture, a_long_path_gets_414) {
  const auto id = client.get("/" + std::string(4096, 'p'));
  client.pump(*server);
  expect_answered_by_session(id, 414);
  const auto fits = client.get("/" + std::string(4095, 'p'));
  client.pump(*server);
  EXPECT_EQ(client.responses[fits].status, 200);
  EXPECT_EQ(handler.requests[fits].target.size(), 4096u);
}

TEST_F(limits_fixture, a_declared_body_over_the_limit_gets_413_before_it_is_sent) {
  limits.max_body_size = 1000;
  start();
  const auto id = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"},
                                 {"content-length", "500000"}},
                                std::string(500000, 'b'));
  client.pump(*server);
  expect_answered_by_session(id, 413);
  EXPECT_EQ(client.responses[id].reset_code, NGHTTP2_NO_ERROR);  // "stop sending", RFC 9113 §8.1
  expect_next_request_served();
}

TEST_F(limits_fixture, an_undeclared_body_over_the_limit_gets_413_and_a_reset) {
  limits.max_body_size = 1000;
  start();
  const auto id = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}},
                                std::string(500000, 'b'));
  client.pump(*server);
  expect_answered_by_session(id, 413);
  EXPECT_EQ(client.responses[id].reset_code, NGHTTP2_NO_ERROR);
  expect_next_request_served();
}

TEST_F(limits_fixture, a_body_at_the_limit_is_accepted) {
  limits.max_body_size = 1000;
  start();
  const auto id = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}},
                                std::string(1000, 'b'));
  client.pump(*server);
  EXPECT_EQ(client.responses[id].status, 200);
  EXPECT_EQ(handler.requests.count(id), 1u);
}

TEST_F(limits_fixture, a_zero_body_limit_refuses_any_body_byte) {
  limits.max_body_size = 0;
  start();
  const auto id = client.submit({{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}},
                                std::string(1, 'b'));
  client.pump(*server);
  expect_answered_by_session(id, 413);
}

// Raw frames: nghttp2's client encoder would lower-case the name for us.
TEST_F(limits_fixture, an_uppercase_field_name_is_malformed) {
  const std::string block = hpack_literals({{":method", "GET"}, {":scheme", "http"}, {":path", "/"},
                                            {":authority", "h"}, {"Accept", "*/*"}});
  EXPECT_TRUE(server->receive(client_preface() +
                              frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1, block) +
                              frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 3,
                                    get_headers_block("/ok"))));
  std::string out;
  server->produce(out, 1 << 16);
  const auto frames = parse_frames(out);
  EXPECT_EQ(rst_code(frames, 1), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(handler.requests.count(1), 0u);
  EXPECT_EQ(handler.closed[1].calls, 1);
  EXPECT_EQ(handler.requests.count(3), 1u);
  EXPECT_FALSE(goaway_code(frames).has_value());
}

struct malformed_case {
  const char* name;
  fields nv;
  std::optional<std::string> body;
};

class malformed_requests : public limits_fixture, public ::testing::WithParamInterface<malformed_case> {};

TEST_P(malformed_requests, are_reset_and_the_connection_goes_on) {
  const auto id = client.submit(GetParam().nv, GetParam().body);
  client.pump(*server);
  expect_reset(id, NGHTTP2_PROTOCOL_ERROR);
  expect_next_request_served();
}

const fields base{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "h"}};
fields with(fields extra, fields nv = base) {
  for (auto& f : extra) nv.push_back(std::move(f));
  return nv;
}

INSTANTIATE_TEST_SUITE_P(
    cases, malformed_requests,
    ::testing::Values(
        malformed_case{"missing_path", {{":method", "GET"}, {":scheme", "https"}, {":authority", "h"}}, std::nullopt},
        malformed_case{"missing_method", {{":scheme", "https"}, {":path", "/"}, {":authority", "h"}}, std::nullopt},
        malformed_case{"empty_path", {{":method", "GET"}, {":scheme", "https"}, {":path", ""}, {":authority", "h"}}, std::nullopt},
        malformed_case{"connection_keep_alive", with({{"connection", "keep-alive"}}), std::nullopt},
        malformed_case{"te_gzip", with({{"te", "gzip"}}), std::nullopt},
        malformed_case{"transfer_encoding", with({{"transfer-encoding", "chunked"}}), std::nullopt},
        malformed_case{"pseudo_after_regular", {{":method", "GET"}, {"accept", "*/*"}, {":scheme", "https"}, {":path", "/"}}, std::nullopt},
        malformed_case{"unknown_pseudo", with({{":foo", "x"}}), std::nullopt},
        malformed_case{"duplicate_path", with({{":path", "/again"}}), std::nullopt},
        malformed_case{"newline_in_value", with({{"x-a", "a\nb"}}), std::nullopt},
        malformed_case{"bad_method_token", {{":method", "G ET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "h"}}, std::nullopt},
        malformed_case{"content_length_mismatch",
                       {{":method", "POST"}, {":scheme", "https"}, {":path", "/"}, {":authority", "h"}, {"content-length", "10"}},
                       std::string("12345")},
        malformed_case{"host_differs_from_authority", with({{"host", "other.example"}}), std::nullopt}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

}  // namespace
}  // namespace ferry::h2test
