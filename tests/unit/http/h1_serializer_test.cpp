#include "http/h1_serializer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

std::string head_of(const response& r, const h1_head_options& options) {
  std::string out = "held: ";  // a head is appended behind what the buffer holds
  serialize_h1_head(r, options, out);
  return out;
}

TEST(H1Serializer, WritesStatusFieldsAndTheFieldsEveryResponseCarries) {
  response r;
  r.status = 404;
  r.add("Content-Type", "text/plain");
  r.add("X-Empty", "");
  r.set_text_body("missing");
  h1_head_options options;
  options.date = "Sun, 29 Nov 2026 13:00:00 GMT";
  options.server = "ferry";
  EXPECT_EQ(head_of(r, options),
            "held: HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Empty: \r\n"
            "Date: Sun, 29 Nov 2026 13:00:00 GMT\r\nServer: ferry\r\nContent-Length: 7\r\n\r\n");
  options.keep_alive = false;
  options.chunked = true;
  options.server = "";
  EXPECT_EQ(head_of(r, options),
            "held: HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Empty: \r\n"
            "Date: Sun, 29 Nov 2026 13:00:00 GMT\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

// The fields' lines are copied whole while the response has them so; after a removal, field by
// field. Both give the same head.
TEST(H1Serializer, AResponseWithARemovedFieldGivesTheSameHeadAsOneWithout) {
  h1_head_options options;
  options.date = "Sun, 29 Nov 2026 13:00:00 GMT";
  options.version_minor = 0;
  response with_removal;
  with_removal.status = 304;
  with_removal.add("ETag", "\"a\"");
  with_removal.add("X-Gone", "1");
  with_removal.add("Vary", "Accept-Encoding");
  with_removal.remove("x-gone");
  std::string_view lines;
  ASSERT_FALSE(with_removal.field_lines(lines));
  response without;
  without.status = 304;
  without.add("ETag", "\"a\"");
  without.add("Vary", "Accept-Encoding");
  ASSERT_TRUE(without.field_lines(lines));
  const std::string expected =
      "held: HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\nVary: Accept-Encoding\r\n"
      "Date: Sun, 29 Nov 2026 13:00:00 GMT\r\nConnection: keep-alive\r\n\r\n";
  EXPECT_EQ(head_of(with_removal, options), expected);
  EXPECT_EQ(head_of(without, options), expected);
}

}  // namespace
}  // namespace ferry
