// The audit hash chain: a good chain verifies; editing, deleting, inserting, reordering lines,
// tearing the last line or starting from the wrong seed are reported at the right line.
#include "modules/auth/audit_chain.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::split_lines;

std::vector<std::string> chained_lines(std::size_t n, audit_chain& chain) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < n; ++i) {
    std::string line;
    chain.link("{\"event\":\"test\",\"n\":" + std::to_string(i) + "}", line);
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

audit_chain_result verify(const std::string& text, audit_chain_verify_options options = {}) {
  std::istringstream in(text);
  return verify_audit_chain(in, options);
}

TEST(audit_chain, sha256_known_answers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(audit_chain, lines_link_to_their_predecessor) {
  audit_chain chain;
  EXPECT_EQ(chain.last_hash(), audit_chain_seed);
  const auto lines = chained_lines(3, chain);
  EXPECT_EQ(lines[0], "{\"prev\":\"" + std::string(audit_chain_seed) + "\",\"event\":\"test\",\"n\":0}");
  EXPECT_EQ(lines[1].substr(9, 64), sha256_hex(lines[0]));
  EXPECT_EQ(lines[2].substr(9, 64), sha256_hex(lines[1]));
  EXPECT_EQ(chain.last_hash(), sha256_hex(lines[2]));
  // Empty objects and non-objects still make well-formed lines.
  std::string empty;
  chain.link("{}", empty);
  EXPECT_EQ(empty, "{\"prev\":\"" + sha256_hex(lines[2]) + "\"}");
  std::string junk;
  chain.link("not json", junk);
  EXPECT_NE(junk.find("\"event\":\"invalid\""), std::string::npos);
  const auto result = verify(join(lines) + empty + "\n" + junk + "\n");
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.lines, 5u);
  EXPECT_EQ(result.last_hash, chain.last_hash());
}

TEST(audit_chain, intact_chain_and_empty_file_verify) {
  audit_chain chain;
  const auto lines = chained_lines(100, chain);
  const auto result = verify(join(lines));
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.lines, 100u);
  EXPECT_EQ(result.bad_line, 0u);
  EXPECT_EQ(result.last_hash, chain.last_hash());
  const auto empty = verify("");
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.lines, 0u);
  EXPECT_EQ(empty.last_hash, audit_chain_seed);
}

TEST(audit_chain, tampering_is_found_at_the_right_line) {
  audit_chain chain;
  const auto lines = chained_lines(10, chain);

  auto edited = lines;
  edited[4].replace(edited[4].find("\"n\":4"), 5, "\"n\":5");  // edit a value: line 5 changes
  auto r = verify(join(edited));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 6u);  // line 6's prev no longer matches
  EXPECT_EQ(r.last_hash, sha256_hex(edited[4]));  // the edited line itself still linked

  auto deleted = lines;
  deleted.erase(deleted.begin() + 3);
  r = verify(join(deleted));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);

  auto first_deleted = lines;
  first_deleted.erase(first_deleted.begin());
  r = verify(join(first_deleted));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u);

  auto reordered = lines;
  std::swap(reordered[6], reordered[7]);
  r = verify(join(reordered));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 7u);

  auto inserted = lines;
  inserted.insert(inserted.begin() + 2, lines[2]);  // a duplicated line
  r = verify(join(inserted));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);

  // Rewriting the hash in the edited line itself does not help: its own prev is then wrong.
  auto forged = lines;
  forged[4] = "{\"prev\":\"" + sha256_hex("forged") + "\",\"event\":\"test\",\"n\":4}";
  r = verify(join(forged));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 5u);

  // A trailing space, a CRLF line end, an uppercase hash: all breaks.
  auto spaced = lines;
  spaced[8] += " ";
  EXPECT_EQ(verify(join(spaced)).bad_line, 9u);
  auto crlf = lines;
  crlf[2] += "\r";
  EXPECT_EQ(verify(join(crlf)).bad_line, 3u);
  auto upper = lines;
  for (std::size_t i = 9; i < 73; ++i) upper[5][i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[5][i])));
  EXPECT_EQ(verify(join(upper)).bad_line, 6u);
}

TEST(audit_chain, malformed_and_torn_lines) {
  audit_chain chain;
  const auto lines = chained_lines(3, chain);
  std::string text = join(lines);
  auto r = verify(text.substr(0, text.size() - 1));  // no final newline: a torn write
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  r = verify(text + "\n");  // an empty line
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
  r = verify(text + "{\"event\":\"unchained\"}\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
  r = verify(std::string("\0\0\0\n", 4));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u);
  audit_chain_verify_options small;
  small.max_line_bytes = 100;
  r = verify(std::string(1000, 'x'), small);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u);
}

TEST(audit_chain, continued_chain_needs_from_seed_off) {
  audit_chain first_file;
  const auto old_lines = chained_lines(5, first_file);
  audit_chain second_file(first_file.last_hash());
  const auto new_lines = chained_lines(5, second_file);
  EXPECT_FALSE(verify(join(new_lines)).ok);
  EXPECT_EQ(verify(join(new_lines)).bad_line, 1u);
  audit_chain_verify_options rotated;
  rotated.from_seed = false;
  const auto r = verify(join(new_lines), rotated);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.last_hash, second_file.last_hash());
  EXPECT_TRUE(verify(join(old_lines) + join(new_lines)).ok);
}

}  // namespace
}  // namespace ferry
