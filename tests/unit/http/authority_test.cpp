#include "http/authority.hpp"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace ferry {
namespace {

TEST(Authority, AcceptsHostsWithAndWithoutPorts) {
  for (const char* ok : {"", "example.com", "example.com:8080", "127.0.0.1:80", "a:", "h:65535", "%41b.c", "[::1]",
                         "[::1]:443", "x-y_z~!$&'()*+,;=:1"}) {
    EXPECT_TRUE(is_valid_authority(ok)) << ok;
  }
}

TEST(Authority, RefusesWhatIsNoAuthority) {
  for (const char* bad : {":80", "h:65536", "h:123456", "h:8a", "a:b:1", "u@h", "h/p", "h p", "%4", "%zz", "[::1",
                          "[1.2]", "[]", "[::1]x", "[::1]:x", "h:-1"}) {
    EXPECT_FALSE(is_valid_authority(bad)) << bad;
  }
}

// The grammar as one regular expression (with the port's value checked apart), against
// random strings made of the characters that matter: both must agree on every one.
TEST(Authority, AgreesWithTheGrammarOnRandomText) {
  const std::regex grammar(
      R"(((\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\])|(([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*))(:([0-9]{0,5}))?)");
  const std::string alphabet = "a9.:[]%F-@/ ~Z";
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> length(0, 12);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int accepted = 0;
  for (int n = 0; n < 100000; ++n) {
    std::string text(length(rng), ' ');
    for (auto& c : text) c = alphabet[pick(rng)];
    std::smatch m;
    bool expected = std::regex_match(text, m, grammar);
    if (expected && m[6].matched) {
      const std::string port = m[7].str();
      // A port needs a host before it, and fits in 16 bits.
      expected = m[1].length() > 0 && (port.empty() || std::stoul(port) <= 65535);
    }
    EXPECT_EQ(is_valid_authority(text), expected) << '"' << text << '"';
    accepted += expected ? 1 : 0;
  }
  EXPECT_GT(accepted, 1000);  // the alphabet makes valid ones often enough to compare both ways
}

}  // namespace
}  // namespace ferry
