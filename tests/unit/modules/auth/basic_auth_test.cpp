// Parsing `Authorization: Basic ...` strictly (RFC 7617) and the challenge.
#include "modules/auth/basic_auth.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "credential_test_support.hpp"
#include "modules/auth/credential_codec.hpp"

namespace ferry {
namespace {

using credential_test::test_request;

// Standard base64 with padding, written here independently of the decoder under test.
std::string base64(std::string_view data) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto byte = [&](std::size_t i) -> unsigned {
    return i < data.size() ? static_cast<unsigned char>(data[i]) : 0U;
  };
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const unsigned n = byte(i) << 16U | byte(i + 1) << 8U | byte(i + 2);
    out += alphabet[n >> 18U];
    out += alphabet[(n >> 12U) & 63U];
    out += i + 1 < data.size() ? alphabet[(n >> 6U) & 63U] : '=';
    out += i + 2 < data.size() ? alphabet[n & 63U] : '=';
  }
  return out;
}

TEST(BasicAuth, ParsesRfc7617Example) {
  // RFC 7617 §2: Aladdin / open sesame.
  const basic_parse_result result = parse_basic_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_EQ(result.verdict, credential_verdict::ok);
  EXPECT_EQ(result.credentials.user(), "Aladdin");
  EXPECT_EQ(result.credentials.password(), "open sesame");
}

TEST(BasicAuth, SchemeIsCaseInsensitiveAndSplitsAtTheFirstColon) {
  const basic_parse_result result = parse_basic_authorization("bAsIc   " + base64("user:pa:ss:"));
  ASSERT_EQ(result.verdict, credential_verdict::ok);
  EXPECT_EQ(result.credentials.user(), "user");
  EXPECT_EQ(result.credentials.password(), "pa:ss:");
}

TEST(BasicAuth, PassesUtf8AndEmptyPasswordsThrough) {
  // RFC 7617 §2.1's example: test / 123£ in UTF-8.
  const basic_parse_result utf8 = parse_basic_authorization("Basic dGVzdDoxMjPCow==");
  ASSERT_EQ(utf8.verdict, credential_verdict::ok);
  EXPECT_EQ(utf8.credentials.password(), "123\xc2\xa3");
  const basic_parse_result empty = parse_basic_authorization("Basic " + base64("user:"));
  ASSERT_EQ(empty.verdict, credential_verdict::ok);
  EXPECT_EQ(empty.credentials.password(), "");
}

TEST(BasicAuth, OtherSchemesAreMissing) {
  for (const char* value : {"Bearer abc", "Basically x", "Digest username=x", "", "Basi"}) {
    EXPECT_EQ(parse_basic_authorization(value).verdict, credential_verdict::missing) << value;
  }
}

TEST(BasicAuth, RefusesHostileCredentials) {
  const std::string longest_user(max_basic_user_length, 'u');
  const std::string cases[] = {
      "Basic",
      "Basic ",
      "Basic\t" + base64("u:p"),
      "Basic " + base64("u:p") + " ",  // trailing junk inside the token
      "Basic " + base64("nocolon"),
      "Basic " + base64(":password"),  // empty user-id
      "Basic " + base64(longest_user + "u:p"),
      "Basic " + base64(std::string("us\0er:p", 7)),
      "Basic " + base64(std::string("user:pa\0ss", 10)),
      "Basic " + base64("user:pass\r\n"),
      "Basic " + base64("us\x7f"
                        "er:p"),
      "Basic dTpw=",   // bad padding
      "Basic dTp",     // padding missing
      "Basic dTpx==",  // non-canonical
      "Basic dT!w",
      "Basic " + base64("u:" + std::string(max_basic_decoded_length, 'p')),  // too long
      "Basic " + std::string(1024 * 1024, 'A'),
  };
  for (const std::string& value : cases) {
    const basic_parse_result result = parse_basic_authorization(value);
    EXPECT_EQ(result.verdict, credential_verdict::malformed) << value.substr(0, 60);
    EXPECT_TRUE(result.credentials.user().empty());
    EXPECT_FALSE(result.reason.empty());
  }
  EXPECT_EQ(parse_basic_authorization("Basic dTpw").verdict, credential_verdict::ok);
  EXPECT_EQ(parse_basic_authorization("Basic " + base64(longest_user + ":p")).verdict, credential_verdict::ok);
  const std::string longest_pair = "u:" + std::string(max_basic_decoded_length - 2, 'p');
  EXPECT_EQ(parse_basic_authorization("Basic " + base64(longest_pair)).verdict, credential_verdict::ok);
  EXPECT_EQ(parse_basic_authorization("Basic " + base64(longest_pair + "p")).verdict, credential_verdict::malformed);
}

TEST(BasicAuth, ReasonsNeverQuoteTheCredentials) {
  for (const std::string& decoded :
       {std::string("Sup3rSecretPassw0rd"), std::string("alice:Sup3rSecretPassw0rd\x01")}) {
    const basic_parse_result result = parse_basic_authorization("Basic " + base64(decoded));
    EXPECT_EQ(result.reason.find("Sup3rSecret"), std::string_view::npos);
  }
}

TEST(BasicAuth, FromARequest) {
  test_request ok{{"authorization", "Basic " + base64("alice:pw")}};
  EXPECT_EQ(parse_basic_authorization(ok.req).credentials.user(), "alice");
  test_request none{{"Accept", "*/*"}};
  EXPECT_EQ(parse_basic_authorization(none.req).verdict, credential_verdict::missing);
  test_request twice{{"Authorization", "Basic " + base64("alice:pw")}, {"Authorization", "Basic " + base64("bob:pw")}};
  EXPECT_EQ(parse_basic_authorization(twice.req).verdict, credential_verdict::malformed);
}

TEST(BasicAuth, CredentialsMoveAndSurvive) {
  basic_parse_result result = parse_basic_authorization("Basic " + base64("alice:a-long-password-beyond-sso"));
  basic_credentials moved = std::move(result.credentials);
  EXPECT_EQ(moved.user(), "alice");
  EXPECT_EQ(moved.password(), "a-long-password-beyond-sso");
  EXPECT_TRUE(result.credentials.user().empty());
  basic_credentials assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.password(), "a-long-password-beyond-sso");
}

TEST(BasicAuth, Challenge) {
  EXPECT_EQ(basic_challenge("files"), "Basic realm=\"files\", charset=\"UTF-8\"");
  EXPECT_EQ(basic_challenge("a \"q\" \\"), "Basic realm=\"a \\\"q\\\" \\\\\", charset=\"UTF-8\"");
  EXPECT_TRUE(valid_basic_realm("Staff only"));
  EXPECT_FALSE(valid_basic_realm(""));
  EXPECT_FALSE(valid_basic_realm("a\r\nSet-Cookie: x"));
  EXPECT_FALSE(valid_basic_realm(std::string(129, 'r')));
}

}  // namespace
}  // namespace ferry
