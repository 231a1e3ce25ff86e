// The config loader checks [client_address] networks with config_checks' check_network (the
// config library cannot link this one); the runtime list is built with parse_cidr. Both must
// accept the same texts with the same messages, or a config that loads could serve with a
// network missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "config/config_checks.hpp"
#include "policy/cidr_list.hpp"

namespace ferry {
namespace {

void expect_agreement(std::string_view text) {
  EXPECT_EQ(check_network(text), parse_cidr(text).error) << '"' << std::string(text) << '"';
}

TEST(NetworkCheckAgreement, OnChosenTexts) {
  for (const char* text :
       {"", "/", "/8", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/",
        "10.0.0.0/+8", "10.0.0.0/-1", "10.0.0.0/8/8", "127.1", "010.0.0.0", "1.2.3.4", "1.2.3.4/31", "1.2.3.5/31",
        "255.255.255.255/32", "::", "::/0", "::1", "::1/127", "::/129", "2001:db8::/32", "2001:db8::1/32",
        "fe80::1%eth0", "[::1]", "::ffff:10.0.0.0/104", "::ffff:10.0.0.1/104", "::ffff:10.0.0.0/95",
        "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8:9", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
        "10.0.0.0/0008", " 10.0.0.0/8", "10.0.0.0/8 ", "localhost", "10.0.0.0/99999999999"}) {
    expect_agreement(text);
  }
  expect_agreement(std::string_view("10.0.0.0\0/8", 11));
  expect_agreement(std::string(100, '1'));
}

TEST(NetworkCheckAgreement, OnRandomTexts) {
  std::mt19937 rng(20261126);
  const std::string alphabet = "0123456789abcdef:./%[] ";
  std::uniform_int_distribution<std::size_t> length(0, 48);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string text(length(rng), ' ');
    for (char& c : text) c = alphabet[pick(rng)];
    expect_agreement(text);
  }
  // Near-valid ones: a real address with a random prefix length.
  std::uniform_int_distribution<unsigned> prefix(0, 140);
  std::uniform_int_distribution<unsigned> byte(0, 255);
  for (int i = 0; i < 5000; ++i) {
    const std::string v4 = std::to_string(byte(rng)) + "." + std::to_string(byte(rng)) + "." +
                           std::to_string(byte(rng)) + "." + std::to_string(byte(rng) & 0xf0);
    expect_agreement(v4 + "/" + std::to_string(prefix(rng)));
    char v6[64];
    std::snprintf(v6, sizeof v6, "%x:%x::%x/%u", byte(rng) * 256, byte(rng), byte(rng) & 0xf0, prefix(rng));
    expect_agreement(v6);
  }
}

}  // namespace
}  // namespace ferry
