// The frame scanner follows frame boundaries like nghttp2 does: PRIORITY payloads and header
// blocks, however the bytes are split.
#include "modules/http2/frame_scanner.hpp"

#include <gtest/gtest.h>

#include <string>

#include "h2_test_support.hpp"

namespace ferry::h2test {
namespace {

const std::string magic = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string priority_payload(std::uint32_t dependency, bool exclusive = false) {
  std::string p;
  const std::uint32_t v = dependency | (exclusive ? 0x80000000u : 0u);
  for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<char>((v >> shift) & 0xff));
  p.push_back(15);  // weight
  return p;
}

TEST(frame_scanner, stops_after_each_priority_frame) {
  frame_scanner scanner;
  const std::string first = magic + frame(NGHTTP2_SETTINGS, 0, 0, "") + frame(NGHTTP2_PRIORITY, 0, 3, priority_payload(1));
  const std::string bytes = first + frame(NGHTTP2_PING, 0, 0, "12345678") +
                            frame(NGHTTP2_PRIORITY, 0, 5, priority_payload(5, true));
  std::size_t n = scanner.scan(bytes);
  EXPECT_EQ(n, first.size());
  auto p = scanner.take_priority();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->stream_id, 3);
  EXPECT_EQ(p->dependency, 1);
  EXPECT_FALSE(scanner.take_priority().has_value());
  EXPECT_EQ(scanner.scan(std::string_view(bytes).substr(n)), bytes.size() - n);
  p = scanner.take_priority();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->stream_id, 5);
  EXPECT_EQ(p->dependency, 5);  // the exclusive bit is not part of the id
}

TEST(frame_scanner, byte_by_byte_gives_the_same_answers) {
  frame_scanner scanner;
  const std::string bytes = magic + frame(NGHTTP2_PRIORITY, 0, 7, priority_payload(7)) +
                            frame(NGHTTP2_DATA, 0, 1, std::string(300, 'd'));
  int found = 0;
  int data_headers = 0;
  for (const char c : bytes) {
    std::size_t n = scanner.scan(std::string_view(&c, 1));
    if (n == 0) {  // stopped before the last byte of a DATA header: the byte comes again
      const auto d = scanner.take_data_header();
      ASSERT_TRUE(d.has_value());
      EXPECT_EQ(d->stream_id, 1);
      ++data_headers;
      n = scanner.scan(std::string_view(&c, 1));
    }
    EXPECT_EQ(n, 1u);
    if (const auto p = scanner.take_priority()) {
      ++found;
      EXPECT_EQ(p->stream_id, 7);
      EXPECT_EQ(p->dependency, 7);
    }
  }
  EXPECT_EQ(found, 1);
  EXPECT_EQ(data_headers, 1);
  EXPECT_FALSE(scanner.in_header_block());
}

TEST(frame_scanner, stops_before_the_last_byte_of_each_data_header) {
  frame_scanner scanner;
  const std::string head = magic + frame(NGHTTP2_DATA, 0, 0x7fffffff, "xyz");
  const std::string bytes = head + frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, "");
  std::size_t n = scanner.scan(bytes);
  EXPECT_EQ(n, magic.size() + 8);
  EXPECT_EQ(scanner.take_data_header()->stream_id, 0x7fffffff);
  EXPECT_FALSE(scanner.take_data_header().has_value());
  const std::size_t m = scanner.scan(std::string_view(bytes).substr(n));
  EXPECT_EQ(n + m, head.size() + 8);
  EXPECT_EQ(scanner.take_data_header()->stream_id, 3);
  EXPECT_EQ(scanner.scan(std::string_view(bytes).substr(n + m)), 1u);
  EXPECT_FALSE(scanner.take_data_header().has_value());
}

TEST(frame_scanner, priority_of_the_wrong_length_is_not_reported) {
  frame_scanner scanner;
  scanner.scan(magic + frame(NGHTTP2_PRIORITY, 0, 1, "1234") + frame(NGHTTP2_PRIORITY, 0, 1, "123456"));
  EXPECT_FALSE(scanner.take_priority().has_value());
}

TEST(frame_scanner, header_blocks) {
  frame_scanner scanner;
  scanner.scan(magic);
  EXPECT_FALSE(scanner.in_header_block());
  const std::string headers = frame(NGHTTP2_HEADERS, 0, 1, "abc");  // no END_HEADERS
  scanner.scan(std::string_view(headers).substr(0, 3));
  EXPECT_FALSE(scanner.in_header_block());  // the type is not known yet
  scanner.scan(std::string_view(headers).substr(3, 1));
  EXPECT_TRUE(scanner.in_header_block());
  EXPECT_EQ(scanner.blocks_begun(), 1u);
  scanner.scan(std::string_view(headers).substr(4));
  EXPECT_TRUE(scanner.in_header_block());  // a CONTINUATION must follow
  const std::string continuation = frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 1, "de");
  scanner.scan(std::string_view(continuation).substr(0, 10));
  EXPECT_TRUE(scanner.in_header_block());
  scanner.scan(std::string_view(continuation).substr(10));
  EXPECT_FALSE(scanner.in_header_block());
  scanner.scan(frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 3, ""));
  EXPECT_FALSE(scanner.in_header_block());
  EXPECT_EQ(scanner.blocks_begun(), 2u);
  scanner.scan(frame(NGHTTP2_DATA, 0, 3, "") .substr(0, 5));
  EXPECT_FALSE(scanner.in_header_block());
}

TEST(frame_scanner, the_preface_is_skipped_even_when_split) {
  frame_scanner scanner;
  const std::string bytes = magic + frame(NGHTTP2_PRIORITY, 0, 9, priority_payload(9));
  EXPECT_EQ(scanner.scan(std::string_view(bytes).substr(0, 10)), 10u);
  EXPECT_EQ(scanner.scan(std::string_view(bytes).substr(10)), bytes.size() - 10);
  EXPECT_TRUE(scanner.take_priority().has_value());
}

}  // namespace
}  // namespace ferry::h2test
