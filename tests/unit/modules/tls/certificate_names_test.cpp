// Host-name patterns and matching, as certificate_covers() and SNI selection use them.
#include "modules/tls/certificate_names.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

TEST(certificate_names, ValidNames) {
  for (const char* name : {"example.com", "a-b.example.com", "localhost", "*.example.com", "x_y.test", "EXAMPLE.COM"}) {
    EXPECT_TRUE(valid_certificate_name(name)) << name;
  }
  for (const char* name : {"", ".", "*", "*.", "*.com", "a.*.com", "**.example.com", "*example.com",
                           "example..com", ".example.com", "example.com.", "exa mple.com", "a/b.com"}) {
    EXPECT_FALSE(valid_certificate_name(name)) << name;
  }
  EXPECT_TRUE(valid_certificate_name(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(valid_certificate_name(std::string(64, 'a') + ".com"));
  std::string long_name;
  while (long_name.size() < 300) long_name += "abcdefgh.";
  long_name += "com";
  EXPECT_FALSE(valid_certificate_name(long_name));
}

TEST(certificate_names, ExactAndOneLabelWildcard) {
  EXPECT_TRUE(certificate_name_matches("example.com", "example.com"));
  EXPECT_TRUE(certificate_name_matches("example.com", "EXAMPLE.com"));
  EXPECT_TRUE(certificate_name_matches("example.com", "example.com."));
  EXPECT_FALSE(certificate_name_matches("example.com", "example.com.."));
  EXPECT_FALSE(certificate_name_matches("example.com", "www.example.com"));
  EXPECT_TRUE(certificate_name_matches("*.example.com", "a.example.com"));
  EXPECT_TRUE(certificate_name_matches("*.example.com", "A.Example.Com"));
  EXPECT_FALSE(certificate_name_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(certificate_name_matches("*.example.com", "example.com"));
  EXPECT_FALSE(certificate_name_matches("*.example.com", ".example.com"));
  EXPECT_FALSE(certificate_name_matches("*.example.com", "aexample.com"));
  EXPECT_FALSE(certificate_name_matches("*.example.com", ""));
  EXPECT_FALSE(certificate_name_matches("*.example.com", "."));
  EXPECT_TRUE(certificate_names_cover({"a.test", "*.b.test"}, "x.b.test"));
  EXPECT_FALSE(certificate_names_cover({}, "x.b.test"));
}

TEST(certificate_names, LongHostileHostIsFine) {
  const std::string host(100000, 'a');
  EXPECT_FALSE(certificate_name_matches("*.example.com", host));
  EXPECT_FALSE(certificate_name_matches("example.com", host + ".example.com"));
}

}  // namespace
}  // namespace ferry
