#include "http/http1_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

struct outcome {
  parse_state state;
  int status;
  std::size_t consumed;
};

// Feeds `text` in pieces of `step` bytes from one stable buffer, as a connection does.
outcome parse(http1_parser& p, const std::string& text, std::size_t step = 0) {
  if (step == 0) step = text.size();
  std::size_t offset = 0;
  parse_result r;
  while (offset < text.size()) {
    const std::size_t n = std::min(step, text.size() - offset);
    r = p.execute(text.data() + offset, n);
    offset += r.consumed;
    if (r.state != parse_state::incomplete) return {r.state, r.error_status, offset};
  }
  return {r.state, r.error_status, offset};
}

outcome parse(const std::string& text, std::size_t step = 0, http1_limits limits = {}) {
  http1_parser p(limits);
  return parse(p, text, step);
}

int status_of(const std::string& text) {
  const auto o = parse(text);
  return o.state == parse_state::error ? o.status : (o.state == parse_state::complete ? 0 : -1);
}

TEST(http1_parser, SimpleGet) {
  http1_parser p({});
  const std::string text = "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
  const auto o = parse(p, text);
  ASSERT_EQ(o.state, parse_state::complete);
  EXPECT_EQ(o.consumed, text.size());
  const auto& r = p.current();
  EXPECT_EQ(r.method, http_method::get);
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.query, "x=1");
  EXPECT_TRUE(r.has_query);
  EXPECT_EQ(r.authority, "example.com");
  EXPECT_EQ(r.header("ACCEPT"), "*/*");
  EXPECT_TRUE(r.keep_alive);
}

TEST(http1_parser, ByteByByteGivesTheSameRequest) {
  http1_parser p({});
  const std::string text = "GET /split HTTP/1.1\r\nHost: h\r\nX-Long: abcdefghij\r\n\r\n";
  const auto o = parse(p, text, 1);
  ASSERT_EQ(o.state, parse_state::complete);
  EXPECT_EQ(p.current().path, "/split");
  EXPECT_EQ(p.current().header("x-long"), "abcdefghij");
}

TEST(http1_parser, StopsAfterOneMessageForPipelining) {
  http1_parser p({});
  const std::string first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string text = first + "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  auto r = p.execute(text.data(), text.size());
  ASSERT_EQ(r.state, parse_state::complete);
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(p.current().path, "/1");
  p.next_message();
  r = p.execute(text.data() + first.size(), text.size() - first.size());
  ASSERT_EQ(r.state, parse_state::complete);
  EXPECT_EQ(p.current().path, "/2");
}

TEST(http1_parser, BodyIsConsumedNotParsedAsRequest) {
  http1_parser p({});
  const std::string body = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string text = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body;
  const auto o = parse(p, text);
  ASSERT_EQ(o.state, parse_state::complete);
  EXPECT_EQ(o.consumed, text.size());
  EXPECT_EQ(p.current().path, "/");
}

TEST(http1_parser, ChunkedBodyIsConsumed) {
  const std::string text = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  const auto o = parse(text);
  EXPECT_EQ(o.state, parse_state::complete);
  EXPECT_EQ(o.consumed, text.size());
}

TEST(http1_parser, HostRules) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a:8080\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\n\r\n"), 0);
}

TEST(http1_parser, TargetForms) {
  http1_parser p({});
  const std::string absolute = "GET http://Example.com:80/x/y?q HTTP/1.1\r\nHost: other\r\n\r\n";
  ASSERT_EQ(parse(p, absolute).state, parse_state::complete);
  EXPECT_EQ(p.current().authority, "Example.com:80");
  EXPECT_EQ(p.current().path, "/x/y");
  EXPECT_EQ(p.current().query, "q");
  EXPECT_EQ(status_of("GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(http1_parser, VersionsAndMethods) {
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status_of("FOO / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
  EXPECT_EQ(status_of("G@T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
  http1_parser p({});
  ASSERT_EQ(parse(p, "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n").state, parse_state::complete);
  EXPECT_EQ(p.current().method, http_method::other_known);
}

TEST(http1_parser, AmbiguousFramingIsRefused) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400);
  EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 36)), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\nHost: a\n\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX Y: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX-Foo : a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xyz, chunked\r\n\r\n"), 501);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
}

TEST(http1_parser, Limits) {
  http1_limits limits;
  limits.max_head = 256;
  limits.max_header_count = 4;
  limits.max_uri_length = 32;
  limits.max_body = 10;
  EXPECT_EQ(parse("GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 0, limits).status, 414);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", 0, limits).status, 431);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'x') + "\r\n\r\n", 0, limits).status,
            431);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 0, limits).status, 413);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
                  0, limits)
                .status,
            413);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n", 0, limits).status, 413);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", 0, limits).state,
            parse_state::complete);
  // The head limit also holds when the head arrives a byte at a time.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'x') + "\r\n\r\n", 1, limits).status,
            431);
}

TEST(http1_parser, KeepAliveByVersion) {
  http1_parser p({});
  ASSERT_EQ(parse(p, "GET / HTTP/1.0\r\n\r\n").state, parse_state::complete);
  EXPECT_FALSE(p.current().keep_alive);
  p.next_message();
  ASSERT_EQ(parse(p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").state, parse_state::complete);
  EXPECT_TRUE(p.current().keep_alive);
  p.next_message();
  ASSERT_EQ(parse(p, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").state, parse_state::complete);
  EXPECT_FALSE(p.current().keep_alive);
}

TEST(http1_parser, UpgradeIsAnsweredAsPlainHttp) {
  const std::string text = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
  const auto o = parse(text);
  EXPECT_EQ(o.state, parse_state::complete);
  EXPECT_EQ(o.consumed, text.size());
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(http1_parser, Expectations) {
  http1_parser p({});
  const std::string with_body = "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(parse(p, with_body).state, parse_state::incomplete);
  EXPECT_TRUE(p.current().expect_continue);
  p.next_message();
  const std::string no_body = "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n";
  ASSERT_EQ(parse(p, no_body).state, parse_state::complete);
  EXPECT_FALSE(p.current().expect_continue) << "nothing to wait for";
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\n\r\n"), 417);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\nExpect: something-else\r\n\r\n"), 0) << "ignored in HTTP/1.0";
}

}  // namespace
}  // namespace ferry
