#include "http/accept_encoding.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace ferry {
namespace {

// The server's preference order.
constexpr std::array<std::string_view, 3> offered = {"br", "zstd", "gzip"};

std::string_view choose(std::string_view header) { return choose_encoding(header, offered); }

TEST(AcceptEncoding, AbsentOrEmptyHeaderMeansIdentity) {
  EXPECT_EQ(choose(""), "");
  EXPECT_EQ(choose("   "), "");
  EXPECT_EQ(choose(",,,"), "");
}

TEST(AcceptEncoding, ResultPointsIntoAvailable) {
  const std::string header = "gzip";
  const std::string_view chosen = choose(header);
  EXPECT_EQ(chosen.data(), offered[2].data());
  EXPECT_EQ(chosen.size(), offered[2].size());
}

TEST(AcceptEncoding, EqualQualityFollowsServerOrder) {
  EXPECT_EQ(choose("gzip, br"), "br");
  EXPECT_EQ(choose("gzip, deflate, br, zstd"), "br");
  EXPECT_EQ(choose("gzip, zstd"), "zstd");
}

TEST(AcceptEncoding, HighestQualityWins) {
  EXPECT_EQ(choose("gzip;q=0.8, br;q=0.5"), "gzip");
  EXPECT_EQ(choose("br;q=0.001, gzip;q=0.002"), "gzip");
  EXPECT_EQ(choose("br;q=0.999, gzip;q=1.000"), "gzip");
  EXPECT_EQ(choose("br;q=0.5, gzip;q=0.50"), "br");
}

TEST(AcceptEncoding, ZeroQualityExcludes) {
  EXPECT_EQ(choose("br;q=0, gzip"), "gzip");
  EXPECT_EQ(choose("br;q=0, gzip;q=0.000, zstd;q=0."), "");
}

TEST(AcceptEncoding, WildcardCoversUnnamedCodings) {
  EXPECT_EQ(choose("*"), "br");
  EXPECT_EQ(choose("br;q=0, *"), "zstd");
  EXPECT_EQ(choose("gzip, *;q=0.1"), "gzip");
  EXPECT_EQ(choose("gzip;q=0.1, *;q=0.5"), "br");
  EXPECT_EQ(choose("*;q=0, gzip"), "gzip");
  EXPECT_EQ(choose("*;q=0"), "");
}

TEST(AcceptEncoding, CodingNamesAreCaseInsensitive) {
  EXPECT_EQ(choose("GZIP"), "gzip");
  EXPECT_EQ(choose("Br;Q=0.5, gZip;q=0.4"), "br");
}

TEST(AcceptEncoding, XGzipMeansGzip) {
  EXPECT_EQ(choose("x-gzip"), "gzip");
  EXPECT_EQ(choose("X-GZIP;q=0.9, br;q=0.1"), "gzip");
  EXPECT_EQ(choose("x-gzip;q=0, *"), "br");
  constexpr std::array<std::string_view, 1> gzip_only = {"gzip"};
  EXPECT_EQ(choose_encoding("x-gzip;q=0, *", gzip_only), "");
}

TEST(AcceptEncoding, UnknownCodingsAreIgnored) {
  EXPECT_EQ(choose("deflate, compress"), "");
  EXPECT_EQ(choose("deflate, gzip;q=0.2"), "gzip");
}

TEST(AcceptEncoding, InvalidElementsCountAsAbsent) {
  EXPECT_EQ(choose("br;q=2, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=1.001, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=0.1234, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=-1, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=.5, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;level=1, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br;q=0.5;x=1, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("b r, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("\"br\", gzip;q=0.1"), "gzip");
  // An invalid q on a named coding leaves it to "*".
  EXPECT_EQ(choose("br;q=9, *;q=0"), "");
}

TEST(AcceptEncoding, WhitespaceAroundParameters) {
  EXPECT_EQ(choose("  br ;  q=0.3 ,\tgzip\t;\tq=0.4  "), "gzip");
  EXPECT_EQ(choose("br;q = 0.9, gzip;q=0.1"), "gzip");  // no OWS around "=" in a weight
}

TEST(AcceptEncoding, FirstOccurrenceOfACodingCounts) {
  EXPECT_EQ(choose("br;q=0, br, gzip;q=0.1"), "gzip");
  EXPECT_EQ(choose("br, br;q=0, gzip;q=0.1"), "br");
}

TEST(AcceptEncoding, IdentityPreferredAboveCodings) {
  EXPECT_EQ(choose("gzip;q=0.5, identity"), "");
  EXPECT_EQ(choose("gzip, identity"), "gzip");
  EXPECT_EQ(choose("gzip;q=0.5, *"), "br");
  EXPECT_EQ(choose("gzip;q=0.5, *;q=0.2, identity;q=0"), "gzip");
}

TEST(AcceptEncoding, NothingAvailable) {
  EXPECT_EQ(choose_encoding("gzip, br", {}), "");
  constexpr std::array<std::string_view, 2> odd = {"", "identity"};
  EXPECT_EQ(choose_encoding("*, identity", odd), "");
}

TEST(AcceptEncoding, LongHostileHeader) {
  std::string header;
  for (int i = 0; i < 50000; ++i) header += "x-unknown;q=0.5, ";
  header += "gzip;q=0.3";
  EXPECT_EQ(choose(header), "gzip");
  EXPECT_EQ(choose(std::string(500000, ';')), "");
  EXPECT_EQ(choose(std::string(500000, 'g')), "");
  EXPECT_EQ(choose(std::string("gzip\0;q=1", 9)), "");
}

}  // namespace
}  // namespace ferry
