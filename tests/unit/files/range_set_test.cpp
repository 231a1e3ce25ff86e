#include "files/range_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ferry {

// In ferry itself (internal linkage) so that ADL finds them from std::vector and gtest.
static bool operator==(const byte_range& a, const byte_range& b) {
  return a.first == b.first && a.last == b.last;
}

static void PrintTo(const byte_range& r, std::ostream* os) { *os << r.first << "-" << r.last; }

namespace {

constexpr std::size_t max_ranges = 16;

void expect_partial(std::string_view header, std::uint64_t size,
                    const std::vector<byte_range>& expected) {
  const range_result r = parse_range(header, size, max_ranges);
  EXPECT_EQ(r.outcome, range_outcome::partial) << header;
  EXPECT_EQ(r.ranges, expected) << header;
}

void expect_outcome(std::string_view header, std::uint64_t size, range_outcome expected) {
  const range_result r = parse_range(header, size, max_ranges);
  EXPECT_EQ(r.outcome, expected) << header;
  if (expected != range_outcome::partial) {
    EXPECT_TRUE(r.ranges.empty()) << header;
  }
}

TEST(RangeParse, RfcExamples) {
  expect_partial("bytes=0-499", 10000, {{0, 499}});
  expect_partial("bytes=500-999", 10000, {{500, 999}});
  expect_partial("bytes=-500", 10000, {{9500, 9999}});
  expect_partial("bytes=9500-", 10000, {{9500, 9999}});
  expect_partial("bytes=0-0,-1", 10000, {{0, 0}, {9999, 9999}});
}

TEST(RangeParse, LastIsClampedToSize) {
  expect_partial("bytes=5-100", 10, {{5, 9}});
  expect_partial("bytes=0-9999999999999999999", 10, {{0, 9}});
  expect_partial("bytes=9-9", 10, {{9, 9}});
}

TEST(RangeParse, SuffixLargerThanSizeIsWholeFileAsRange) {
  expect_partial("bytes=-500", 100, {{0, 99}});
  expect_partial("bytes=-100", 100, {{0, 99}});
  expect_partial("bytes=-9999999999999999999", 1, {{0, 0}});
}

TEST(RangeParse, UnitIsCaseInsensitiveAndOthersMeanWhole) {
  expect_partial("BYTES=0-1", 10, {{0, 1}});
  expect_partial("Bytes=0-1", 10, {{0, 1}});
  expect_outcome("items=0-1", 10, range_outcome::whole);
  expect_outcome("bytesx=0-1", 10, range_outcome::whole);
  expect_outcome("byte=0-1", 10, range_outcome::whole);
  expect_outcome("=0-1", 10, range_outcome::whole);
  expect_outcome("bytes 0-1", 10, range_outcome::whole);
  expect_outcome("", 10, range_outcome::whole);
}

TEST(RangeParse, WhitespaceAroundElements) {
  expect_partial("  bytes=0-1 , 5-6\t,\t8-  ", 10, {{0, 1}, {5, 6}, {8, 9}});
  expect_partial("bytes=0-1,,,5-6, ,", 10, {{0, 1}, {5, 6}});
}

TEST(RangeParse, SyntaxErrorsAnywhereMeanWhole) {
  for (const char* header : {
           "bytes=",
           "bytes=,",
           "bytes=-",
           "bytes=a-b",
           "bytes=0-1,x",
           "bytes=0-1,5",
           "bytes=0 - 1",
           "bytes=0-1-2",
           "bytes=--1",
           "bytes=+1-2",
           "bytes=0x10-20",
           "bytes=1-2;x",
           "bytes=0-1,-",
           "bytes=0-1 5-6",
           "bytes==0-1",
       }) {
    expect_outcome(header, 10, range_outcome::whole);
  }
  expect_outcome(std::string("bytes=0-1\0", 10), 10, range_outcome::whole);
}

TEST(RangeParse, FirstAfterLastIsInvalid) {
  expect_outcome("bytes=5-4", 10, range_outcome::whole);
  expect_outcome("bytes=0-1,50-40", 10, range_outcome::whole);
  expect_outcome("bytes=50-40", 10, range_outcome::whole);
}

TEST(RangeParse, TooManyDigitsOrOverflowIsWhole) {
  expect_partial("bytes=9999999999999999999-", UINT64_MAX,
                 {{9999999999999999999ULL, UINT64_MAX - 1}});
  expect_outcome("bytes=18446744073709551616-", UINT64_MAX, range_outcome::whole);
  expect_outcome("bytes=0-99999999999999999999", 10, range_outcome::whole);
  expect_outcome("bytes=-99999999999999999999", 10, range_outcome::whole);
  expect_outcome("bytes=00000000000000000001-2", 10, range_outcome::whole);
}

TEST(RangeParse, RangesPastTheEndAreDropped) {
  expect_partial("bytes=0-1,10-20", 10, {{0, 1}});
  expect_outcome("bytes=10-20", 10, range_outcome::unsatisfiable);
  expect_outcome("bytes=10-", 10, range_outcome::unsatisfiable);
  expect_outcome("bytes=10-,20-30", 10, range_outcome::unsatisfiable);
}

TEST(RangeParse, ZeroLengthSuffixIsUnsatisfiable) {
  expect_outcome("bytes=-0", 10, range_outcome::unsatisfiable);
  expect_partial("bytes=-0,0-0", 10, {{0, 0}});
}

TEST(RangeParse, EmptyRepresentationIsAlwaysUnsatisfiable) {
  expect_outcome("bytes=0-", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=0-0", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=-1", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=-0", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=0-5,-5", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=junk", 0, range_outcome::whole);
}

TEST(RangeParse, SortsAndCoalesces) {
  expect_partial("bytes=50-59,0-9", 100, {{0, 9}, {50, 59}});
  expect_partial("bytes=0-9,5-19", 100, {{0, 19}});        // overlapping
  expect_partial("bytes=0-9,10-19", 100, {{0, 19}});       // adjacent
  expect_partial("bytes=10-19,0-9,20-29", 100, {{0, 29}});  // adjacent out of order
  expect_partial("bytes=0-99,10-19", 100, {{0, 99}});       // contained
  expect_partial("bytes=0-9,11-19", 100, {{0, 9}, {11, 19}});
  expect_partial("bytes=-10,80-", 100, {{80, 99}});
  expect_partial("bytes=0-0,0-0,0-0", 100, {{0, 0}});
}

TEST(RangeParse, CoalesceAtTheTopOfTheRange) {
  // The largest size: last is UINT64_MAX - 1, so the adjacency test cannot wrap.
  expect_partial("bytes=-1,-3", UINT64_MAX, {{UINT64_MAX - 3, UINT64_MAX - 1}});
  expect_partial("bytes=9999999999999999999-,-1", UINT64_MAX,
                 {{9999999999999999999ULL, UINT64_MAX - 1}});
}

TEST(RangeParse, MaxRangesCountsBeforeCoalescing) {
  std::string header = "bytes=0-0";
  for (std::size_t i = 1; i < max_ranges; ++i) header += ",0-0";
  expect_partial(header, 10, {{0, 0}});
  header += ",0-0";
  expect_outcome(header, 10, range_outcome::whole);
}

TEST(RangeParse, MaxRangesCountsDroppedRanges) {
  std::string header = "bytes=0-0";
  for (std::size_t i = 1; i <= max_ranges; ++i) header += ",100-200";
  expect_outcome(header, 10, range_outcome::whole);
}

TEST(RangeParse, ZeroMaxRangesMeansWhole) {
  EXPECT_EQ(parse_range("bytes=0-1", 10, 0).outcome, range_outcome::whole);
}

TEST(RangeParse, HugeHeaderIsBounded) {
  std::string header = "bytes=";
  for (int i = 0; i < 200000; ++i) header += std::to_string(i) + "-" + std::to_string(i) + ",";
  expect_outcome(header, 1000000, range_outcome::whole);
  const range_result many = parse_range(header, 1000000, 1000000);
  ASSERT_EQ(many.outcome, range_outcome::partial);
  EXPECT_EQ(many.ranges, (std::vector<byte_range>{{0, 199999}}));
  expect_outcome("bytes=" + std::string(1000000, ','), 10, range_outcome::whole);
  expect_outcome("bytes=" + std::string(1000000, '9'), 10, range_outcome::whole);
}

TEST(RangeParse, LengthHelper) {
  EXPECT_EQ((byte_range{0, 0}).length(), 1U);
  EXPECT_EQ((byte_range{5, 9}).length(), 5U);
}

// Builds the body the way a sender would: part headers, the bytes, the trailer.
std::string build_body(const multipart_byteranges& m, const std::string& content,
                       const std::vector<byte_range>& ranges) {
  std::string body;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    body += m.part_header(i);
    body += content.substr(ranges[i].first, ranges[i].length());
  }
  body += m.trailer();
  return body;
}

TEST(Multipart, ExactLayout) {
  const std::string content = "0123456789abcdefghij";
  const std::vector<byte_range> ranges = {{0, 3}, {10, 12}};
  const multipart_byteranges m("B0UND", "text/plain", content.size(), ranges);
  EXPECT_EQ(m.content_type(), "multipart/byteranges; boundary=B0UND");
  const std::string expected =
      "--B0UND\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Range: bytes 0-3/20\r\n"
      "\r\n"
      "0123\r\n"
      "--B0UND\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Range: bytes 10-12/20\r\n"
      "\r\n"
      "abc\r\n"
      "--B0UND--\r\n";
  const std::string body = build_body(m, content, ranges);
  EXPECT_EQ(body, expected);
  EXPECT_EQ(m.body_length(), body.size());
  EXPECT_EQ(m.trailer(), "\r\n--B0UND--\r\n");
}

TEST(Multipart, OmitsContentTypeWhenUnknown) {
  const std::string content = "abcdef";
  const std::vector<byte_range> ranges = {{0, 0}, {5, 5}};
  const multipart_byteranges m("xyz", "", content.size(), ranges);
  const std::string body = build_body(m, content, ranges);
  EXPECT_EQ(body,
            "--xyz\r\nContent-Range: bytes 0-0/6\r\n\r\na\r\n"
            "--xyz\r\nContent-Range: bytes 5-5/6\r\n\r\nf\r\n--xyz--\r\n");
  EXPECT_EQ(m.body_length(), body.size());
}

TEST(Multipart, BodyLengthMatchesForParsedRanges) {
  std::string content;
  for (int i = 0; i < 5000; ++i) content += static_cast<char>('a' + i % 26);
  const range_result r = parse_range("bytes=0-0, 100-199, 1000-1999, -50", content.size(), 16);
  ASSERT_EQ(r.outcome, range_outcome::partial);
  ASSERT_EQ(r.ranges.size(), 4U);
  const multipart_byteranges m("0123456789abcdef", "application/octet-stream", content.size(),
                               r.ranges);
  const std::string body = build_body(m, content, r.ranges);
  EXPECT_EQ(m.body_length(), body.size());
  EXPECT_TRUE(body.starts_with("--0123456789abcdef\r\n"));
  EXPECT_TRUE(body.ends_with("\r\n--0123456789abcdef--\r\n"));
  EXPECT_NE(body.find("Content-Range: bytes 4950-4999/5000\r\n"), std::string::npos);
}

TEST(Multipart, LargeOffsetsInBodyLength) {
  const std::uint64_t size = 1ULL << 40;
  const std::vector<byte_range> ranges = {{0, (1ULL << 33) - 1}, {size - 10, size - 1}};
  const multipart_byteranges m("b", "video/mp4", size, ranges);
  const std::uint64_t headers = m.part_header(0).size() + m.part_header(1).size();
  EXPECT_EQ(m.body_length(), headers + (1ULL << 33) + 10 + m.trailer().size());
  EXPECT_EQ(m.part_header(1),
            "\r\n--b\r\nContent-Type: video/mp4\r\nContent-Range: bytes 1099511627766-"
            "1099511627775/1099511627776\r\n\r\n");
}

}  // namespace
}  // namespace ferry
