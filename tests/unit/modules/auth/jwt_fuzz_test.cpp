// jwt_parse_compact and the whole verifier on hostile bytes: random strings, mutated valid
// tokens, and random JSON-ish headers and payloads. Nothing may crash (run under ASan/UBSan in
// the sanitizer build), and nothing mutated may verify. Seeds are fixed, so failures replay.
#include <gtest/gtest.h>

#include <random>

#include "modules/auth/jwt_json.hpp"
#include "modules/auth/jwt_test_support.hpp"
#include "modules/auth/jwt_token.hpp"

namespace ferry {
namespace {

using namespace jwt_test;

std::string random_bytes(std::mt19937& rng, std::size_t max_length, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out(length(rng), '\0');
  for (auto& c : out) c = alphabet[pick(rng)];
  return out;
}

std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

TEST(JwtFuzz, RandomBytesNeverParse) {
  std::mt19937 rng(12345);
  const std::string bytes = all_bytes();
  const std::string b64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_..=+/ ";
  const jwt_parse_limits limits;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = random_bytes(rng, 300, i % 2 == 0 ? std::string_view(bytes) : b64);
    jwt_token token;
    const jwt_verdict verdict = jwt_parse_compact(text, limits, token);
    EXPECT_NE(verdict, jwt_verdict::ok) << text;
  }
}

TEST(JwtFuzz, RandomJsonSegments) {
  // Structured noise that reaches the JSON parser and header checks.
  std::mt19937 rng(777);
  const std::string json_chars = "{}[]\":,0123456789.eE-+ truefalsnul\\u\"algkidHS256none\xc3\xa9\xff";
  const jwt_parse_limits limits;
  int reached_header_checks = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string header = random_bytes(rng, 60, json_chars);
    if (i % 3 == 0) header = "{\"alg\":\"HS256\"" + header;
    const std::string payload = random_bytes(rng, 60, json_chars);
    const std::string text =
        base64url_encode(header) + "." + base64url_encode(payload) + ".c2ln";
    jwt_token token;
    const jwt_verdict verdict = jwt_parse_compact(text, limits, token);
    if (verdict != jwt_verdict::malformed) ++reached_header_checks;
    json_value value;
    json_parse(header, json_limits{}, value);
  }
  // Not a correctness claim, a coverage check: some inputs get past the JSON parser.
  SUCCEED() << reached_header_checks;
}

TEST(JwtFuzz, MutatedValidTokensNeverVerify) {
  auto loaded = load_jwt_key_set(fixture_pem_sources());
  ASSERT_TRUE(loaded.keys) << loaded.error;
  test_clock clock;
  const jwt_verifier verifier(fixture_options(), clock.clock());
  std::vector<std::string> valid;
  for (const auto& token : load_tokens()) {
    if (token.verdict == "ok" && token.name.rfind("valid_", 0) == 0) valid.push_back(token.token);
  }
  ASSERT_GE(valid.size(), 12u);
  std::mt19937 rng(4242);
  const std::string replacements =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x00\xff";
  std::uniform_int_distribution<std::size_t> pick_char(0, replacements.size() - 1);
  int still_valid = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = valid[static_cast<std::size_t>(i) % valid.size()];
    std::uniform_int_distribution<std::size_t> position(0, text.size() - 1);
    const std::size_t at = position(rng);
    switch (i % 4) {
      case 0:
        text[at] = replacements[pick_char(rng)];
        break;
      case 1:
        text.erase(at, 1 + at % 5);
        break;
      case 2:
        text.insert(at, 1, replacements[pick_char(rng)]);
        break;
      default:
        text.resize(at);
        break;
    }
    const auto result = verifier.verify(text, *loaded.keys);
    if (text == valid[static_cast<std::size_t>(i) % valid.size()]) continue;  // no-op mutation
    if (result.verdict == jwt_verdict::ok) {
      // Only possible when the mutation hit header/payload bytes that decode identically,
      // which strict base64url rules out, or the unused bits... which are also refused.
      ++still_valid;
      ADD_FAILURE() << "mutated token verified: " << text;
    }
  }
  EXPECT_EQ(still_valid, 0);
}

TEST(JwtFuzz, LongAndDeepInputsAreBounded) {
  const jwt_parse_limits limits;
  jwt_token token;
  EXPECT_EQ(jwt_parse_compact(std::string(1 << 20, 'A'), limits, token), jwt_verdict::too_long);
  EXPECT_EQ(jwt_parse_compact(std::string(8192, '.'), limits, token), jwt_verdict::malformed);
  const std::string deep = base64url_encode(std::string(3000, '[') + std::string(3000, ']'));
  EXPECT_EQ(jwt_parse_compact(deep + ".e30.c2ln", limits, token), jwt_verdict::malformed);
  const std::string header = base64url_encode("{\"alg\":\"HS256\"}");
  const std::string nested = base64url_encode(
      "{\"a\":" + std::string(8, '[') + std::string(8, ']') + "}");  // depth 9
  EXPECT_EQ(jwt_parse_compact(header + "." + nested + ".c2ln", limits, token),
            jwt_verdict::malformed);
  const std::string ok_nested = base64url_encode(
      "{\"a\":" + std::string(7, '[') + std::string(7, ']') + "}");  // depth 8
  EXPECT_EQ(jwt_parse_compact(header + "." + ok_nested + ".c2ln", limits, token), jwt_verdict::ok);
}

}  // namespace
}  // namespace ferry
