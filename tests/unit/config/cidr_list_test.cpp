// The metrics allow-list: strict CIDR parsing and matching of client addresses as ferry logs
// them, including IPv4-mapped IPv6, edge prefixes and hostile text.
#include "config/cidr_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry {
namespace {

cidr_list list_of(std::initializer_list<std::string_view> entries) {
  std::vector<ip_network> networks;
  for (const auto entry : entries) {
    const auto network = parse_cidr(entry);
    EXPECT_TRUE(network) << entry << ": " << network.error;
    networks.push_back(network.value);
  }
  return cidr_list(std::move(networks));
}

TEST(cidr_parse, ipv4_networks) {
  const auto network = parse_cidr("10.1.0.0/16");
  ASSERT_TRUE(network) << network.error;
  EXPECT_TRUE(network.value.v4);
  EXPECT_EQ(network.value.prefix, 16u);
  EXPECT_EQ(network.value.bytes[0], 10);
  EXPECT_EQ(network.value.bytes[1], 1);
  EXPECT_TRUE(parse_cidr("0.0.0.0/0"));
  EXPECT_TRUE(parse_cidr("255.255.255.255/32"));
  EXPECT_TRUE(parse_cidr("192.168.1.128/25"));
}

TEST(cidr_parse, ipv6_networks) {
  const auto network = parse_cidr("2001:db8::/32");
  ASSERT_TRUE(network) << network.error;
  EXPECT_FALSE(network.value.v4);
  EXPECT_EQ(network.value.prefix, 32u);
  EXPECT_TRUE(parse_cidr("::/0"));
  EXPECT_TRUE(parse_cidr("::1/128"));
  EXPECT_TRUE(parse_cidr("fe80::/10"));
  EXPECT_TRUE(parse_cidr("2001:DB8:0:0:0:0:0:0/127"));
}

TEST(cidr_parse, a_bare_address_is_one_host) {
  const auto v4 = parse_cidr("192.0.2.7");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4.value.prefix, 32u);
  const auto v6 = parse_cidr("2001:db8::7");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6.value.prefix, 128u);
}

TEST(cidr_parse, mapped_networks_become_ipv4) {
  const auto mapped = parse_cidr("::ffff:10.0.0.0/104");
  ASSERT_TRUE(mapped) << mapped.error;
  EXPECT_EQ(mapped.value, parse_cidr("10.0.0.0/8").value);
  const auto all_v4 = parse_cidr("::ffff:0.0.0.0/96");
  ASSERT_TRUE(all_v4);
  EXPECT_EQ(all_v4.value, parse_cidr("0.0.0.0/0").value);
  // Wider than the mapped block: an IPv6 network.
  const auto wide = parse_cidr("::/80");
  ASSERT_TRUE(wide);
  EXPECT_FALSE(wide.value.v4);
}

TEST(cidr_parse, host_bits_are_refused_naming_the_network) {
  const auto v4 = parse_cidr("10.0.0.1/8");
  ASSERT_FALSE(v4);
  EXPECT_NE(v4.error.find("10.0.0.0/8"), std::string::npos) << v4.error;
  const auto v6 = parse_cidr("2001:db8::1/32");
  ASSERT_FALSE(v6);
  EXPECT_NE(v6.error.find("2001:db8::/32"), std::string::npos) << v6.error;
  EXPECT_FALSE(parse_cidr("192.168.1.129/25"));
  EXPECT_FALSE(parse_cidr("0.0.0.1/0"));
  EXPECT_FALSE(parse_cidr("::1/127"));
}

TEST(cidr_parse, bad_prefix_lengths) {
  for (const std::string_view text :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8 ", "10.0.0.0/ 8",
        "10.0.0.0/8/8", "10.0.0.0/0x8", "10.0.0.0/4294967304", "10.0.0.0/1000", "::/129", "::/00", "::/1280",
        "10.0.0.0/a"}) {
    const auto network = parse_cidr(text);
    EXPECT_FALSE(network) << text;
    EXPECT_FALSE(network.error.empty()) << text;
  }
}

TEST(cidr_parse, garbage_is_refused) {
  const std::string long_text(10000, '1');
  const std::string with_nul("127.0.0.1\0/8", 12);
  for (const std::string_view text : std::initializer_list<std::string_view>{"", "/8", "localhost", "127.0.0.1 ", " 127.0.0.1", "127.1", "127.0.0.01", "0127.0.0.1", "127.0.0.256",
        "127.0.0.0.0", "1.2.3", "::1::", ":::/0", "fe80::1%eth0", "[::1]", "[::1]/128", "0x7f.0.0.1",
        "1.2.3.4/8/", "::ffff:1.2.3", "*", "any", std::string_view(long_text), std::string_view(with_nul),
        "1.2.3.4\n", "\xff\xfe"}) {
    EXPECT_FALSE(parse_cidr(text)) << text;
  }
}

TEST(cidr_list, loopback_is_the_default_set) {
  const cidr_list list = cidr_list::loopback();
  EXPECT_TRUE(list.allows("127.0.0.1"));
  EXPECT_TRUE(list.allows("127.255.255.254"));
  EXPECT_TRUE(list.allows("::1"));
  EXPECT_TRUE(list.allows("::ffff:127.0.0.1"));
  EXPECT_TRUE(list.allows("0:0:0:0:0:0:0:1"));
  EXPECT_FALSE(list.allows("128.0.0.1"));
  EXPECT_FALSE(list.allows("10.0.0.1"));
  EXPECT_FALSE(list.allows("::2"));
  EXPECT_FALSE(list.allows("::ffff:10.0.0.1"));
  // IPv4-compatible (deprecated) is not mapped: it is the IPv6 address ::7f00:1.
  EXPECT_FALSE(list.allows("::127.0.0.1"));
}

TEST(cidr_list, an_empty_list_allows_nobody) {
  const cidr_list list;
  EXPECT_FALSE(list.allows("127.0.0.1"));
  EXPECT_FALSE(list.allows("::1"));
}

TEST(cidr_list, ipv4_prefix_boundaries) {
  const cidr_list list = list_of({"192.168.1.128/25", "10.0.0.7/32"});
  EXPECT_TRUE(list.allows("192.168.1.128"));
  EXPECT_TRUE(list.allows("192.168.1.255"));
  EXPECT_FALSE(list.allows("192.168.1.127"));
  EXPECT_FALSE(list.allows("192.168.2.128"));
  EXPECT_TRUE(list.allows("10.0.0.7"));
  EXPECT_FALSE(list.allows("10.0.0.6"));
  EXPECT_FALSE(list.allows("10.0.0.8"));
  EXPECT_TRUE(list.allows("::ffff:192.168.1.200"));
  EXPECT_TRUE(list.allows("::FFFF:c0a8:1c8"));  // the same, in hex
  EXPECT_FALSE(list.allows("::ffff:192.168.1.1"));
}

TEST(cidr_list, slash_zero_opens_one_family) {
  const cidr_list v4 = list_of({"0.0.0.0/0"});
  EXPECT_TRUE(v4.allows("203.0.113.9"));
  EXPECT_TRUE(v4.allows("0.0.0.0"));
  EXPECT_TRUE(v4.allows("255.255.255.255"));
  EXPECT_TRUE(v4.allows("::ffff:203.0.113.9"));
  EXPECT_FALSE(v4.allows("2001:db8::1"));
  EXPECT_FALSE(v4.allows("::1"));

  const cidr_list v6 = list_of({"::/0"});
  EXPECT_TRUE(v6.allows("2001:db8::1"));
  EXPECT_TRUE(v6.allows("::"));
  EXPECT_TRUE(v6.allows("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(v6.allows("203.0.113.9"));
  EXPECT_FALSE(v6.allows("::ffff:203.0.113.9"));

  const cidr_list both = list_of({"0.0.0.0/0", "::/0"});
  EXPECT_TRUE(both.allows("203.0.113.9"));
  EXPECT_TRUE(both.allows("2001:db8::1"));
}

TEST(cidr_list, ipv6_prefix_boundaries) {
  const cidr_list list = list_of({"2001:db8:abcd::/49", "fd00::5/128"});
  EXPECT_TRUE(list.allows("2001:db8:abcd::1"));
  EXPECT_TRUE(list.allows("2001:db8:abcd:7fff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(list.allows("2001:db8:abcd:8000::"));
  EXPECT_FALSE(list.allows("2001:db8:abce::"));
  EXPECT_TRUE(list.allows("fd00::5"));
  EXPECT_FALSE(list.allows("fd00::4"));
  EXPECT_FALSE(list.allows("fd00::6"));
}

TEST(cidr_list, a_mapped_network_in_the_config_matches_ipv4_clients) {
  const cidr_list list = list_of({"::ffff:10.0.0.0/104"});
  EXPECT_TRUE(list.allows("10.20.30.40"));
  EXPECT_TRUE(list.allows("::ffff:10.20.30.40"));
  EXPECT_FALSE(list.allows("11.0.0.1"));
}

TEST(cidr_list, a_zone_id_is_ignored_for_ipv6_only) {
  const cidr_list list = list_of({"fe80::/10", "127.0.0.0/8"});
  EXPECT_TRUE(list.allows("fe80::1%eth0"));
  EXPECT_TRUE(list.allows("fe80::1%2"));
  EXPECT_FALSE(list.allows("fe80::1%"));
  EXPECT_FALSE(list.allows("fe80::1%eth 0"));
  EXPECT_FALSE(list.allows("fe80::1%a%b"));
  EXPECT_FALSE(list.allows("fe80::1%abcdefghijklmnop"));
  EXPECT_FALSE(list.allows("127.0.0.1%eth0"));
  EXPECT_FALSE(list.allows("%eth0"));
  EXPECT_FALSE(list.allows("fec0::1%eth0"));
}

TEST(cidr_list, hostile_client_addresses_are_not_allowed) {
  const cidr_list list = list_of({"0.0.0.0/0", "::/0"});
  const std::string long_text(1 << 16, ':');
  const std::string long_digits(1 << 16, '1');
  const std::string with_nul("127.0.0.1\0garbage", 17);
  const std::string nul_after_zone("fe80::1%\0", 9);
  for (const std::string_view text : std::initializer_list<std::string_view>{"", "-", "unix", "localhost", "127.0.0.1 ", " 127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:443",
        "127.1", "127.0.0.01", "1.2.3.4/32", "::1/128", "::1::", "1.2.3.4.", "\n", "\xff", "0x7f000001",
        std::string_view(long_text), std::string_view(long_digits), std::string_view(with_nul),
        std::string_view(nul_after_zone)}) {
    EXPECT_FALSE(list.allows(text)) << text;
  }
}

TEST(cidr_list, every_byte_string_of_length_one_and_two_is_safe) {
  const cidr_list list = list_of({"0.0.0.0/0", "::/0"});
  std::string text(2, '\0');
  for (int a = 0; a < 256; ++a) {
    text.resize(1);
    text[0] = static_cast<char>(a);
    EXPECT_FALSE(list.allows(text));
    text.resize(2);
    for (int b = 0; b < 256; ++b) {
      text[1] = static_cast<char>(b);
      // "::" is the only two-byte address.
      EXPECT_EQ(list.allows(text), text == "::") << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace ferry
