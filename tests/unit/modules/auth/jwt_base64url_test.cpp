// Strict base64url: canonical encodings decode, every other spelling is refused.
#include <gtest/gtest.h>

#include <string>

#include "modules/auth/jwt_base64url.hpp"

namespace ferry {
namespace {

std::string decoded(std::string_view text, bool& ok) {
  std::string out;
  ok = base64url_decode(text, out);
  return out;
}

TEST(JwtBase64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    const std::string encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find_first_of("=+/"), std::string::npos);
    bool ok = false;
    EXPECT_EQ(decoded(encoded, ok), bytes);
    EXPECT_TRUE(ok) << encoded;
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(JwtBase64url, KnownVectors) {
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  bool ok = false;
  EXPECT_EQ(decoded("-_8", ok), "\xfb\xff");
  EXPECT_TRUE(ok);
  EXPECT_EQ(decoded("", ok), "");
  EXPECT_TRUE(ok);
}

TEST(JwtBase64url, RefusesNonCanonicalSpellings) {
  bool ok = true;
  for (const char* bad : {"Zg==", "Zg=", "Zm9v=", "+_8", "-/8", "Zm 9v", "Zm9v\n", " Zm9v",
                          "Z", "Zm9vY", "Zh", "Zm9", "Zm-", "Zm9\x80"}) {
    decoded(bad, ok);
    EXPECT_FALSE(ok) << bad;
  }
  // "Zh" decodes to 'f' only if the unused low bits are ignored; they are not zero.
  decoded("Zh", ok);
  EXPECT_FALSE(ok);
  decoded("Zm8", ok);
  EXPECT_TRUE(ok);
  decoded("Zm9", ok);  // "fo" is "Zm8": the last 2 bits of '9' are 01
  EXPECT_FALSE(ok);
  decoded("Zm-", ok);  // '-' is 62: low 2 bits set
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace ferry
