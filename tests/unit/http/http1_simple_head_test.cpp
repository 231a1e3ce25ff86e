#include "http/http1_simple_head.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/http1_parser.hpp"

namespace ferry {
namespace {

const std::string wrk_head = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
const std::string curl_head =
    "GET /a/b.css?v=2&x=%20y HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

std::size_t simple_size(const std::string& head, const http1_limits& limits = {}) {
  request r;
  std::size_t hosts = 0;
  return read_simple_head(head.data(), head.size(), limits, r, hosts);
}

TEST(http1_simple_head, ReadsWhatCommonClientsSend) {
  EXPECT_EQ(simple_size(wrk_head), wrk_head.size());
  EXPECT_EQ(simple_size(curl_head), curl_head.size());
  EXPECT_EQ(simple_size("HEAD / HTTP/1.0\r\n\r\n"), 19u);
  for (const auto& [head, keep_alive] : std::initializer_list<std::pair<std::string, bool>>{
           {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
           {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\n\r\n", true},
           {"GET / HTTP/1.0\r\nConnection:   keep-alive\r\n\r\n", true},
           {"GET / HTTP/1.0\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", true},
           {"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
       }) {
    request q;
    std::size_t hosts = 0;
    ASSERT_EQ(read_simple_head(head.data(), head.size(), {}, q, hosts), head.size()) << head;
    EXPECT_EQ(q.keep_alive, keep_alive) << head;
  }
  const std::string obs_text = "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9\r\n\r\n";
  EXPECT_EQ(simple_size(obs_text), obs_text.size());
  const std::string pipelined = wrk_head + wrk_head;
  EXPECT_EQ(simple_size(pipelined), wrk_head.size());

  request r;
  std::size_t hosts = 0;
  const std::string head = "GET /x HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Pad: \t v a l \t\r\n\r\n";
  ASSERT_EQ(read_simple_head(head.data(), head.size(), {}, r, hosts), head.size());
  EXPECT_EQ(hosts, 1u);
  EXPECT_EQ(r.method, http_method::get);
  EXPECT_EQ(r.method_name, "GET");
  EXPECT_EQ(r.target, "/x");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_EQ(r.headers().size(), 3u);
  EXPECT_EQ(r.headers()[1].value, "");
  EXPECT_EQ(r.headers()[2].value, "v a l");
}

TEST(http1_simple_head, LeavesEverythingElseToLlhttp) {
  for (const std::string head : {
           "POST / HTTP/1.1\r\nHost: h\r\n\r\n",
           "get / HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET /# HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET /\"x\" HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.2\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.1\nHost: h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\n\n",
           "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nTRANSFER-ENCODING: chunked\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nConnection: close, upgrade\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nConnection: te\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nConnection: close \r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nConnection:\tclose\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: close\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n b\r\n\r\n",
           "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\x7f\r\n\r\n",
           "GET / HTTP/1.1\r\n: h\r\n\r\n",
       }) {
    EXPECT_EQ(simple_size(head), 0u) << head;
  }
  // Every proper prefix of a head is incomplete: llhttp reads it and waits for the rest.
  for (std::size_t n = 0; n < curl_head.size(); ++n) EXPECT_EQ(simple_size(curl_head.substr(0, n)), 0u) << n;
}

TEST(http1_simple_head, LeavesLimitsToLlhttp) {
  http1_limits limits;
  limits.max_head = wrk_head.size();
  EXPECT_EQ(simple_size(wrk_head, limits), wrk_head.size());
  limits.max_head = wrk_head.size() - 1;
  EXPECT_EQ(simple_size(wrk_head, limits), 0u);
  limits = {};
  limits.max_uri_length = 11;
  EXPECT_EQ(simple_size(wrk_head, limits), wrk_head.size());
  limits.max_uri_length = 10;
  EXPECT_EQ(simple_size(wrk_head, limits), 0u);
  limits = {};
  limits.max_header_count = 3;
  EXPECT_EQ(simple_size(curl_head, limits), curl_head.size());
  limits.max_header_count = 2;
  EXPECT_EQ(simple_size(curl_head, limits), 0u);
}

// What a parser made of a stream: the verdict and, for a complete message, every field of the
// request as text.
std::string outcome_of(const std::string& text, bool llhttp_only) {
  http1_limits limits;
  limits.max_header_count = 4;
  limits.max_uri_length = 64;
  limits.max_head = 160;
  http1_parser parser(limits);
  std::size_t offset = 0;
  parse_result r;
  // One byte first: the simple reader only takes a head from its first byte, whole.
  for (const std::size_t step : {llhttp_only ? std::size_t{1} : text.size(), text.size()}) {
    r = parser.execute(text.data() + offset, std::min(step, text.size() - offset));
    offset += r.consumed;
    if (r.state != parse_state::incomplete || offset == text.size()) break;
  }
  // After an error the connection closes: how much of the input was taken does not matter.
  std::string out = std::to_string(static_cast<int>(r.state)) + " " + std::to_string(r.error_status);
  if (r.state != parse_state::complete) return out;
  out += " " + std::to_string(offset);
  const request& q = parser.current();
  out += " " + std::to_string(static_cast<int>(q.method)) + " [" + std::string(q.method_name) + "] [" +
         std::string(q.target) + "] [" + std::string(q.path) + "] [" + std::string(q.query) + "] " +
         std::to_string(q.has_query) + std::to_string(q.absolute_form) + " [" + std::string(q.authority) + "] " +
         std::to_string(q.version_major) + "." + std::to_string(q.version_minor) + " " +
         std::to_string(q.keep_alive) + std::to_string(q.chunked) + std::to_string(q.expect_continue) + " " +
         std::to_string(q.content_length);
  for (const auto& h : q.headers()) out += " [" + std::string(h.name) + "][" + std::string(h.value) + "]";
  return out;
}

// Every byte value put in place of, and inserted before, every byte of simple heads: whichever
// reader takes the result, the parser's verdict and request are the ones llhttp gives.
TEST(http1_simple_head, AgreesWithLlhttpOnEveryByteInEveryPosition) {
  const std::vector<std::string> heads = {
      "GET /a?b=%41 HTTP/1.1\r\nHost: h:1\r\nX-A:  v \r\n\r\nGET /",
      "HEAD /index.html HTTP/1.0\r\nAccept: */*\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nConnection:close\r\n\r\n",
  };
  std::size_t cases = 0;
  std::size_t simple = 0;
  for (const auto& head : heads) {
    for (std::size_t at = 0; at <= head.size(); ++at) {
      for (int b = 0; b < 256; ++b) {
        for (const bool insert : {false, true}) {
          if (!insert && at == head.size()) continue;
          std::string text = head;
          if (insert) {
            text.insert(at, 1, static_cast<char>(b));
          } else {
            text[at] = static_cast<char>(b);
          }
          ++cases;
          if (simple_size(text, {}) != 0) ++simple;
          ASSERT_EQ(outcome_of(text, false), outcome_of(text, true)) << "byte " << b << (insert ? " inserted at " : " at ")
                                                                      << at << " of: " << text;
        }
      }
    }
  }
  // The comparison is only worth something if the simple reader took many of them.
  EXPECT_GT(simple, cases / 5) << simple << " of " << cases;
}

}  // namespace
}  // namespace ferry
