// Client-address matching for the client_address_in condition: strict CIDR text, IPv4-mapped
// IPv6 clients, zone ids, and text that is not an address at all.
#include "modules/auth/policy_address_set.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

policy_address_set set_of(std::initializer_list<std::string_view> networks) {
  policy_address_set s;
  for (const auto n : networks) EXPECT_EQ(s.add(n), "") << n;
  return s;
}

TEST(policy_address_set, ipv4_networks) {
  const auto s = set_of({"10.0.0.0/8", "192.0.2.7", "198.51.100.128/25"});
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.contains("10.0.0.0"));
  EXPECT_TRUE(s.contains("10.255.255.255"));
  EXPECT_FALSE(s.contains("11.0.0.0"));
  EXPECT_TRUE(s.contains("192.0.2.7"));
  EXPECT_FALSE(s.contains("192.0.2.8"));
  EXPECT_TRUE(s.contains("198.51.100.200"));
  EXPECT_FALSE(s.contains("198.51.100.127"));
}

TEST(policy_address_set, ipv6_networks_and_edges) {
  const auto s = set_of({"2001:db8::/32", "fe80::/10", "::1"});
  EXPECT_TRUE(s.contains("2001:db8:ffff::1"));
  EXPECT_FALSE(s.contains("2001:db9::1"));
  EXPECT_TRUE(s.contains("::1"));
  EXPECT_FALSE(s.contains("::2"));
  EXPECT_TRUE(s.contains("fe80::1%eth0"));  // zone ids are ignored
  EXPECT_TRUE(s.contains("febf::1"));
  EXPECT_FALSE(s.contains("fec0::1"));
  // /0 and /128 and a prefix that ends inside the low 64 bits.
  const auto all6 = set_of({"::/0"});
  EXPECT_TRUE(all6.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  const auto mid = set_of({"2001:db8:0:0:8000::/65"});
  EXPECT_TRUE(mid.contains("2001:db8::8000:0:0:1"));
  EXPECT_FALSE(mid.contains("2001:db8::7fff:0:0:1"));
}

TEST(policy_address_set, mapped_ipv4_meets_ipv4_networks_only) {
  const auto v4 = set_of({"127.0.0.0/8"});
  EXPECT_TRUE(v4.contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(v4.contains("::FFFF:127.1.2.3"));
  EXPECT_FALSE(v4.contains("::ffff:128.0.0.1"));
  // "::/0" is IPv6 only: it must not quietly admit IPv4 clients in either spelling.
  const auto all6 = set_of({"::/0"});
  EXPECT_FALSE(all6.contains("127.0.0.1"));
  EXPECT_FALSE(all6.contains("::ffff:127.0.0.1"));
  // A mapped network in the config is the IPv4 network it spells.
  const auto mapped = set_of({"::ffff:10.0.0.0/104"});
  EXPECT_TRUE(mapped.contains("10.1.2.3"));
  EXPECT_FALSE(mapped.contains("11.1.2.3"));
}

TEST(policy_address_set, refuses_bad_networks) {
  policy_address_set s;
  for (const std::string_view bad :
       {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.1/8", "10.0.0/8", "010.0.0.0/8",
        "2001:db8::/129", "2001:db8::1/32", "fe80::1%eth0", "example.com", "10.0.0.0/8/8", "1.2.3.4 "}) {
    EXPECT_NE(s.add(bad), "") << bad;
  }
  EXPECT_TRUE(s.empty());
  EXPECT_NE(s.add(std::string_view("10.0.0.0\0/8", 11)), "");
}

TEST(policy_address_set, hostile_client_text_is_outside) {
  const auto s = set_of({"0.0.0.0/0", "::/0"});
  for (const std::string_view text : {"", "-", "unix:", "1.2.3", "1.2.3.4.5", "::ffff:1.2.3.4.5", "fe80::1%",
                                      "fe80::1%0123456789abcdef", "1.2.3.4%eth0", "fe80::1%e/0", "[::1]"}) {
    EXPECT_FALSE(s.contains(text)) << text;
  }
  EXPECT_FALSE(s.contains(std::string_view("1.2.3.4\0", 8)));
  EXPECT_FALSE(s.contains(std::string(100000, '1')));
  EXPECT_FALSE(policy_address_set().contains("127.0.0.1"));
}

}  // namespace
}  // namespace ferry
