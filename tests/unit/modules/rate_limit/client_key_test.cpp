// Client address → rate-limit key: masking, canonical text, IPv4-mapped addresses, zone ids,
// and hostile text that must give the "not an address" result.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "modules/rate_limit/client_key.hpp"

namespace ferry {
namespace {

std::string key_of(std::string_view address, unsigned v4 = 32, unsigned v6 = 64) {
  const client_key key = make_client_key(address, client_key_prefixes{v4, v6});
  return key.valid() ? std::string(key.text()) : std::string("<invalid>");
}

TEST(ClientKey, Ipv4Defaults) {
  EXPECT_EQ(key_of("192.0.2.7"), "192.0.2.7/32");
  EXPECT_EQ(key_of("0.0.0.0"), "0.0.0.0/32");
  EXPECT_EQ(key_of("255.255.255.255"), "255.255.255.255/32");
  EXPECT_EQ(make_client_key("10.1.2.3").text(), "10.1.2.3/32");  // default prefixes
}

TEST(ClientKey, Ipv4Prefixes) {
  EXPECT_EQ(key_of("192.0.2.7", 24), "192.0.2.0/24");
  EXPECT_EQ(key_of("192.0.2.7", 16), "192.0.0.0/16");
  EXPECT_EQ(key_of("192.0.2.255", 25), "192.0.2.128/25");
  EXPECT_EQ(key_of("192.0.2.7", 1), "128.0.0.0/1");
  EXPECT_EQ(key_of("127.255.255.255", 1), "0.0.0.0/1");
  EXPECT_EQ(key_of("198.51.100.200", 31), "198.51.100.200/31");
  EXPECT_EQ(key_of("198.51.100.201", 31), "198.51.100.200/31");
  EXPECT_EQ(key_of("192.0.2.7", 24), key_of("192.0.2.200", 24));
  EXPECT_NE(key_of("192.0.2.7", 24), key_of("192.0.3.7", 24));
}

TEST(ClientKey, Ipv6DefaultsToSlash64) {
  EXPECT_EQ(key_of("2001:db8::1"), "2001:db8::/64");
  EXPECT_EQ(key_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(key_of("::1"), "::/64");
  EXPECT_EQ(key_of("::"), "::/64");
}

TEST(ClientKey, EqualNetworksGiveEqualKeysHoweverSpelled) {
  const std::string expected = "2001:db8::/64";
  for (const std::string_view spelling :
       {"2001:DB8::1", "2001:db8:0::2", "2001:0db8:0000:0000:ffff:ffff:ffff:ffff", "2001:db8:0:0:1::",
        "2001:Db8::0:0:0:9", "2001:db8::1.2.3.4"}) {
    EXPECT_EQ(key_of(spelling), expected) << spelling;
  }
  EXPECT_NE(key_of("2001:db8:0:1::1"), expected);
}

TEST(ClientKey, Ipv6Prefixes) {
  EXPECT_EQ(key_of("2001:db8:1:2:3:4:5:6", 32, 48), "2001:db8:1::/48");
  EXPECT_EQ(key_of("2001:db8:1:2ff::", 32, 56), "2001:db8:1:200::/56");
  EXPECT_EQ(key_of("2001:db8:1:2:3:4:5:6", 32, 128), "2001:db8:1:2:3:4:5:6/128");
  EXPECT_EQ(key_of("::1", 32, 128), "::1/128");
  EXPECT_EQ(key_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 32, 128),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  EXPECT_EQ(key_of("ffff::", 32, 1), "8000::/1");
  EXPECT_EQ(key_of("2001:db8::1", 32, 127), "2001:db8::/127");
}

TEST(ClientKey, MappedIpv4IsTheIpv4Address) {
  EXPECT_EQ(key_of("::ffff:192.0.2.7"), "192.0.2.7/32");
  EXPECT_EQ(key_of("::FFFF:192.0.2.7"), key_of("192.0.2.7"));
  EXPECT_EQ(key_of("::ffff:c000:207"), "192.0.2.7/32");
  EXPECT_EQ(key_of("0:0:0:0:0:ffff:192.0.2.7", 24), "192.0.2.0/24");
  // The IPv4 prefix applies, not the IPv6 one.
  EXPECT_EQ(key_of("::ffff:192.0.2.7", 8, 64), "192.0.0.0/8");
  // Not mapped: IPv4-compatible and NAT64 forms stay IPv6.
  EXPECT_EQ(key_of("::192.0.2.7", 32, 128), "::192.0.2.7/128");
  EXPECT_EQ(key_of("64:ff9b::192.0.2.7"), "64:ff9b::/64");
}

TEST(ClientKey, ZoneIdIsDropped) {
  EXPECT_EQ(key_of("fe80::1%eth0"), "fe80::/64");
  EXPECT_EQ(key_of("fe80::1%2", 32, 128), "fe80::1/128");
  EXPECT_EQ(key_of("fe80::1%eth0"), key_of("fe80::1"));
  EXPECT_EQ(key_of("fe80::1%"), "<invalid>");
  EXPECT_EQ(key_of("fe80::1%eth0%eth1"), "<invalid>");
  EXPECT_EQ(key_of("fe80::1%a b"), "<invalid>");
  EXPECT_EQ(key_of("fe80::1%eth0\n"), "<invalid>");
  EXPECT_EQ(key_of("fe80::1%0123456789abcdef"), "<invalid>");  // longer than IF_NAMESIZE - 1
  EXPECT_EQ(key_of("192.0.2.7%eth0"), "<invalid>") << "IPv4 text has no zone";
  EXPECT_EQ(key_of("%eth0"), "<invalid>");
}

TEST(ClientKey, PrefixesOutOfRangeAreClamped) {
  EXPECT_EQ(key_of("192.0.2.7", 0), "128.0.0.0/1");
  EXPECT_EQ(key_of("192.0.2.7", 33), "192.0.2.7/32");
  EXPECT_EQ(key_of("192.0.2.7", 4'000'000'000u), "192.0.2.7/32");
  EXPECT_EQ(key_of("2001:db8::1", 32, 0), "::/1");
  EXPECT_EQ(key_of("2001:db8::1", 32, 129), "2001:db8::1/128");
}

TEST(ClientKey, HostileTextIsNotAnAddress) {
  using namespace std::string_view_literals;
  for (const std::string_view text :
       {""sv, "-"sv, "1.2.3.4.5"sv, "::ffff:1.2.3"sv, "1.2.3"sv, "256.1.1.1"sv, "01.2.3.4"sv, "127.1"sv,
        "0x7f.0.0.1"sv, " 1.2.3.4"sv, "1.2.3.4 "sv, "1.2.3.4\n"sv, "2001:db8::1/64"sv, ":::"sv,
        "1:2:3:4:5:6:7:8:9"sv, "[::1]"sv, "[::1]:443"sv, "1.2.3.4:80"sv, "2001:db8::g"sv,
        "1.2.3.4\0"sv, "1.2.3.4\0garbage"sv, "\0"sv, "::1\0"sv, "fe80::1\0%eth0"sv, "fe80::1%eth\0"sv,
        "\xff\xfe"sv, "1.2.3.-4"sv, "example.com"sv, "localhost"sv}) {
    EXPECT_FALSE(make_client_key(text).valid()) << std::string(text);
  }
  EXPECT_FALSE(make_client_key(std::string(5000, '1')).valid());
  EXPECT_FALSE(make_client_key(std::string(5000, ':')).valid());
  EXPECT_FALSE(make_client_key("fe80::1%" + std::string(5000, 'e')).valid());
  EXPECT_FALSE(make_client_key(std::string(5000, '%')).valid());
  // The longest numeric text inet_pton accepts still works; one byte more does not.
  EXPECT_EQ(key_of("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 32, 128),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  EXPECT_FALSE(make_client_key("0ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").valid());
}

TEST(ClientKey, InvalidResultIsEmpty) {
  const client_key key = make_client_key("nope");
  EXPECT_FALSE(key.valid());
  EXPECT_TRUE(key.text().empty());
}

}  // namespace
}  // namespace ferry
