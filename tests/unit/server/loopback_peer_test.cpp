#include "server/loopback_peer.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

bool loopback(const char* text) { return is_loopback_peer(asio::ip::make_address(text)); }

TEST(LoopbackPeer, LoopbackAddressesOfBothFamilies) {
  EXPECT_TRUE(loopback("127.0.0.1"));
  EXPECT_TRUE(loopback("127.201.3.4"));
  EXPECT_TRUE(loopback("::1"));
  EXPECT_TRUE(loopback("::ffff:127.0.0.1"));  // an IPv4 client of a dual-stack listener
}

TEST(LoopbackPeer, EveryOtherAddressIsRemote) {
  EXPECT_FALSE(loopback("10.0.0.1"));
  EXPECT_FALSE(loopback("128.0.0.1"));
  EXPECT_FALSE(loopback("0.0.0.0"));
  EXPECT_FALSE(loopback("::"));
  EXPECT_FALSE(loopback("::2"));
  EXPECT_FALSE(loopback("::ffff:10.1.2.3"));
  EXPECT_FALSE(loopback("::127.0.0.1"));  // IPv4-compatible, not mapped: not this host's
  EXPECT_FALSE(loopback("2001:db8::1"));
  EXPECT_FALSE(loopback("fe80::1"));
}

}  // namespace
}  // namespace ferry
