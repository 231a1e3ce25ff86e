#include "http/short_bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

// Every length across the branches (byte loop, 4-, 8-byte words, memcmp), with the one differing
// byte at every position: the overlapping loads must not miss it.
TEST(ShortBytes, EqualSeesEveryDifferingByte) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    std::string b = a;
    EXPECT_TRUE(short_bytes::equal(a, b)) << n;
    for (std::size_t at = 0; at < n; ++at) {
      b[at] = '#';
      EXPECT_FALSE(short_bytes::equal(a, b)) << n << " " << at;
      b[at] = a[at];
    }
    EXPECT_FALSE(short_bytes::equal(a, a + "y")) << n;
  }
}

TEST(ShortBytes, CopyWritesExactlyTheBytes) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string from(n, ' ');
    for (std::size_t i = 0; i < n; ++i) from[i] = static_cast<char>('A' + i % 26);
    std::string to(n + 16, '.');
    char* end = short_bytes::copy(to.data() + 8, from);
    EXPECT_EQ(end, to.data() + 8 + n);
    EXPECT_EQ(to, std::string(8, '.') + from + std::string(8, '.')) << n;
  }
}

}  // namespace
}  // namespace ferry
