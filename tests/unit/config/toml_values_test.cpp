#include "config/toml_values.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

using std::chrono::milliseconds;

TEST(ParseSize, AcceptsEveryUnit) {
  EXPECT_EQ(parse_size("0B").value, 0u);
  EXPECT_EQ(parse_size("512B").value, 512u);
  EXPECT_EQ(parse_size("8KiB").value, 8192u);
  EXPECT_EQ(parse_size("1MiB").value, 1048576u);
  EXPECT_EQ(parse_size("3GiB").value, 3ull << 30);
  EXPECT_TRUE(parse_size("16B"));
}

TEST(ParseSize, RefusesBareNumbers) {
  const auto size = parse_size("10");
  EXPECT_FALSE(size);
  EXPECT_EQ(size.error, "needs a unit: B, KiB, MiB or GiB");
}

TEST(ParseSize, RefusesUnknownUnits) {
  EXPECT_EQ(parse_size("10x").error, "has unknown unit \"x\" (use B, KiB, MiB or GiB)");
  EXPECT_FALSE(parse_size("10KB"));
  EXPECT_FALSE(parse_size("10kib"));
  EXPECT_FALSE(parse_size("10 KiB"));
  EXPECT_FALSE(parse_size("10KiB "));
  EXPECT_FALSE(parse_size("10KiBKiB"));
}

TEST(ParseSize, RefusesSignsFractionsAndGarbage) {
  EXPECT_EQ(parse_size("-1KiB").error, "must not be negative");
  EXPECT_FALSE(parse_size("+1KiB"));
  EXPECT_EQ(parse_size("1.5MiB").error, "must be a whole number (use a smaller unit)");
  EXPECT_EQ(parse_size("").error, "is empty");
  EXPECT_FALSE(parse_size("KiB"));
  EXPECT_FALSE(parse_size(" 1KiB"));
  EXPECT_FALSE(parse_size(std::string("1\0KiB", 5)));
}

TEST(ParseSize, DetectsOverflow) {
  EXPECT_EQ(parse_size("18446744073709551615B").value, 18446744073709551615ull);
  EXPECT_EQ(parse_size("18446744073709551616B").error, "is too large");
  EXPECT_EQ(parse_size("17179869184GiB").error, "is too large");  // 2^34 GiB = 2^64
  EXPECT_EQ(parse_size("17179869183GiB").value, 17179869183ull << 30);
  EXPECT_EQ(parse_size(std::string(10000, '9') + "B").error, "is too large");
}

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms").value, milliseconds(250));
  EXPECT_EQ(parse_duration("10s").value, milliseconds(10'000));
  EXPECT_EQ(parse_duration("2m").value, milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h").value, milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("0s").value, milliseconds(0));
}

TEST(ParseDuration, RefusesBadText) {
  EXPECT_EQ(parse_duration("10").error, "needs a unit: ms, s, m or h");
  EXPECT_EQ(parse_duration("10x").error, "has unknown unit \"x\" (use ms, s, m or h)");
  EXPECT_EQ(parse_duration("-1s").error, "must not be negative");
  EXPECT_FALSE(parse_duration("1.5s"));
  EXPECT_FALSE(parse_duration("1d"));
  EXPECT_FALSE(parse_duration("10S"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("1h30m"));
}

TEST(ParseDuration, DetectsOverflow) {
  EXPECT_EQ(parse_duration("9223372036854775807ms").value.count(), 9223372036854775807);
  EXPECT_EQ(parse_duration("9223372036854775808ms").error, "is too large");
  EXPECT_EQ(parse_duration("5124095576030432h").error, "is too large");
  EXPECT_EQ(parse_duration("99999999999999999999999s").error, "is too large");
}

TEST(FormatValues, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1500), "1500B");
  EXPECT_EQ(format_size(8192), "8KiB");
  EXPECT_EQ(format_size(1 << 20), "1MiB");
  EXPECT_EQ(format_size(3ull << 30), "3GiB");
  EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(600'000)), "10m");
  EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(format_duration(milliseconds(-5)), "-5ms");
}

TEST(FormatValues, RoundTrip) {
  for (const std::uint64_t bytes : {1ull, 1023ull, 1024ull, 4096ull, 1ull << 30, 123456789ull}) {
    EXPECT_EQ(parse_size(format_size(bytes)).value, bytes);
  }
  for (const std::int64_t ms : {1, 999, 1000, 61'000, 3'600'000, 86'400'000}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))).value, milliseconds(ms));
  }
}

TEST(ParseListenAddress, IPv4AndLocalhost) {
  auto address = parse_listen_address("0.0.0.0:8080");
  ASSERT_TRUE(address) << address.error;
  EXPECT_EQ(address.value.host, "0.0.0.0");
  EXPECT_EQ(address.value.port, 8080);
  address = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(address);
  EXPECT_EQ(address.value.port, 0);
  address = parse_listen_address("localhost:65535");
  ASSERT_TRUE(address);
  EXPECT_EQ(address.value.host, "localhost");
  EXPECT_EQ(address.value.port, 65535);
}

TEST(ParseListenAddress, IPv6InBrackets) {
  auto address = parse_listen_address("[::1]:8443");
  ASSERT_TRUE(address) << address.error;
  EXPECT_EQ(address.value.host, "::1");
  EXPECT_EQ(address.value.port, 8443);
  address = parse_listen_address("[::]:80");
  ASSERT_TRUE(address);
  EXPECT_EQ(address.value.host, "::");
  address = parse_listen_address("[2001:db8::1]:443");
  ASSERT_TRUE(address);
  EXPECT_EQ(address.value.host, "2001:db8::1");
}

TEST(ParseListenAddress, RefusesBadPorts) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:65536").error, "port \"65536\" is out of range (0..65535)");
  EXPECT_EQ(parse_listen_address("0.0.0.0:99999999999999999999").error,
            "port \"99999999999999999999\" is out of range (0..65535)");
  EXPECT_EQ(parse_listen_address("0.0.0.0:").error, "missing port");
  EXPECT_EQ(parse_listen_address("0.0.0.0:-1").error, "port \"-1\" is not a number");
  EXPECT_EQ(parse_listen_address("0.0.0.0:http").error, "port \"http\" is not a number");
  EXPECT_FALSE(parse_listen_address("0.0.0.0:80 "));
  EXPECT_FALSE(parse_listen_address("[::1]:"));
  EXPECT_FALSE(parse_listen_address("[::1]:70000"));
}

TEST(ParseListenAddress, RefusesBadHosts) {
  EXPECT_EQ(parse_listen_address("8080").error, "expected HOST:PORT, e.g. \"0.0.0.0:8080\"");
  EXPECT_EQ(parse_listen_address(":8080").error,
            "missing host (use 0.0.0.0 for every IPv4 address, [::] for every IPv6 address)");
  EXPECT_EQ(parse_listen_address("::1:8080").error, "IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
  EXPECT_EQ(parse_listen_address("example.com:80").error,
            "host \"example.com\" is not an IP address or \"localhost\"");
  EXPECT_EQ(parse_listen_address("[::1]8080").error, "expected \":PORT\" after \"]\"");
  EXPECT_EQ(parse_listen_address("[::1:8080").error, "missing ']' after the IPv6 address");
  EXPECT_EQ(parse_listen_address("[127.0.0.1]:80").error, "host \"127.0.0.1\" is not an IPv6 address");
  EXPECT_FALSE(parse_listen_address("256.0.0.1:80"));
  EXPECT_FALSE(parse_listen_address("[]:80"));
  EXPECT_FALSE(parse_listen_address(""));
  EXPECT_FALSE(parse_listen_address(std::string("127.0.0.1\0:80", 13)));
}

TEST(QuoteForMessage, EscapesAndShortens) {
  EXPECT_EQ(quote_for_message("abc"), "\"abc\"");
  EXPECT_EQ(quote_for_message("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_for_message("a\r\nb"), "\"a\\x0d\\x0ab\"");
  EXPECT_EQ(quote_for_message("\xff"), "\"\\xff\"");
  EXPECT_EQ(quote_for_message(std::string(200, 'a')), "\"" + std::string(80, 'a') + "...\"");
}

}  // namespace
}  // namespace ferry
