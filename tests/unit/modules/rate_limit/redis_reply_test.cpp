// RESP without a server: every reply type, replies split at every byte, and a hostile peer
// (garbage, huge or negative lengths, deep nesting, oversized replies, random bytes) that must
// end in a protocol error with memory bounded, never a crash or a wait for gigabytes.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "modules/rate_limit/redis_reply.hpp"

namespace ferry {
namespace {

using result = redis_reply_reader::result;
using kind = redis_reply::kind;

// Feeds `bytes` in one piece and collects every reply; `error` is set on a protocol error.
std::vector<redis_reply> read_all(std::string_view bytes, bool* error = nullptr, redis_reader_limits limits = {}) {
  redis_reply_reader reader(limits);
  std::vector<redis_reply> replies;
  reader.feed(bytes);
  while (true) {
    redis_reply reply;
    const auto r = reader.next(reply);
    if (r == result::need_more) break;
    if (r == result::protocol_error) {
      if (error != nullptr) *error = true;
      break;
    }
    replies.push_back(std::move(reply));
  }
  return replies;
}

bool is_protocol_error(std::string_view bytes, redis_reader_limits limits = {}) {
  bool error = false;
  read_all(bytes, &error, limits);
  return error;
}

// A stable text form, to compare reply trees.
std::string show(const redis_reply& r) {
  switch (r.type) {
    case kind::status:
      return "+" + r.text;
    case kind::error:
      return "-" + r.text;
    case kind::integer:
      return ":" + std::to_string(r.integer);
    case kind::string:
      return "$" + std::to_string(r.text.size()) + "(" + r.text + ")";
    case kind::nil:
      return "nil";
    case kind::array: {
      std::string out = "[";
      for (const auto& e : r.elements) out += show(e) + ",";
      return out + "]";
    }
  }
  return "?";
}

std::string show_all(const std::vector<redis_reply>& replies) {
  std::string out;
  for (const auto& r : replies) out += show(r) + ";";
  return out;
}

const std::string mixed_stream =
    std::string("+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
                "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n$6\r\n") +
    std::string("b\0\r\nx\xff", 6) + "\r\n-NOSCRIPT No matching script.\r\n";

TEST(RedisReplyTest, ReadsEveryType) {
  bool error = false;
  const auto replies = read_all(mixed_stream, &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(replies.size(), 12u);
  EXPECT_EQ(replies[0].type, kind::status);
  EXPECT_EQ(replies[0].text, "OK");
  EXPECT_TRUE(replies[1].is_error());
  EXPECT_EQ(replies[1].text, "ERR wrong");
  EXPECT_EQ(replies[2].integer, 42);
  EXPECT_EQ(replies[3].integer, -7);
  EXPECT_EQ(replies[4].type, kind::string);
  EXPECT_EQ(replies[4].text, "hello");
  EXPECT_EQ(replies[5].type, kind::string);
  EXPECT_EQ(replies[5].text, "");
  EXPECT_EQ(replies[6].type, kind::nil);
  EXPECT_EQ(replies[7].type, kind::nil);
  EXPECT_EQ(replies[8].type, kind::array);
  EXPECT_TRUE(replies[8].elements.empty());
  EXPECT_EQ(show(replies[9]), "[:1,[$1(a),nil,],+x,]");
  EXPECT_EQ(replies[10].text, std::string("b\0\r\nx\xff", 6));
  EXPECT_TRUE(replies[11].is_error_code("NOSCRIPT"));
}

TEST(RedisReplyTest, ErrorCodeIsTheFirstWord) {
  redis_reply r;
  r.type = kind::error;
  r.text = "NOSCRIPTS nope";
  EXPECT_FALSE(r.is_error_code("NOSCRIPT"));
  r.text = "NOSCRIPT";
  EXPECT_TRUE(r.is_error_code("NOSCRIPT"));
  r.type = kind::status;
  EXPECT_FALSE(r.is_error_code("NOSCRIPT"));
}

TEST(RedisReplyTest, SplitAtEveryByteGivesTheSameReplies) {
  const std::string expected = show_all(read_all(mixed_stream));
  for (std::size_t split = 0; split <= mixed_stream.size(); ++split) {
    redis_reply_reader reader;
    std::vector<redis_reply> replies;
    auto drain = [&] {
      redis_reply reply;
      while (reader.next(reply) == result::reply) replies.push_back(reply);
      EXPECT_FALSE(reader.failed()) << split;
    };
    reader.feed(std::string_view(mixed_stream).substr(0, split));
    drain();
    reader.feed(std::string_view(mixed_stream).substr(split));
    drain();
    EXPECT_EQ(show_all(replies), expected) << "split at " << split;
  }
  // And one byte at a time.
  redis_reply_reader reader;
  std::vector<redis_reply> replies;
  for (char c : mixed_stream) {
    ASSERT_TRUE(reader.feed(std::string_view(&c, 1)));
    redis_reply reply;
    while (reader.next(reply) == result::reply) replies.push_back(reply);
  }
  EXPECT_EQ(show_all(replies), expected);
}

TEST(RedisReplyTest, GarbageIsAProtocolError) {
  for (const char* garbage : {"x\r\n", "hello world\r\n", ":abc\r\n", ":12a\r\n", ":\r\n", "$abc\r\n", "*abc\r\n",
                              "$-2\r\n", "*-2\r\n", ":99999999999999999999999\r\n", "$99999999999999999999999\r\n",
                              "*99999999999999999999999\r\n", "$+5\r\nhello\r\n", "\r\n", "*1\r\nzz\r\n"}) {
    EXPECT_TRUE(is_protocol_error(garbage)) << garbage;
  }
}

TEST(RedisReplyTest, StaysFailedAfterAnError) {
  redis_reply_reader reader;
  reader.feed("?\r\n");
  redis_reply reply;
  EXPECT_EQ(reader.next(reply), result::protocol_error);
  EXPECT_TRUE(reader.failed());
  EXPECT_FALSE(reader.error_message().empty());
  EXPECT_FALSE(reader.feed("+OK\r\n"));
  EXPECT_EQ(reader.next(reply), result::protocol_error);
}

TEST(RedisReplyTest, RefusesHugeDeclaredLengthsAtOnce) {
  // Refused as soon as the header is in, without waiting for (or buffering) the bytes.
  EXPECT_TRUE(is_protocol_error("$99999999999\r\n"));
  EXPECT_TRUE(is_protocol_error("$1048577\r\n"));
  EXPECT_TRUE(is_protocol_error("*1\r\n$2000000\r\nabc"));
  EXPECT_TRUE(is_protocol_error("*1025\r\n"));
  EXPECT_TRUE(is_protocol_error("*2147483647\r\n"));
  EXPECT_TRUE(is_protocol_error("*4294967297\r\n"));
  // Just within the limits.
  EXPECT_FALSE(is_protocol_error("$1048576\r\n"));
  bool error = false;
  const auto big = read_all("$1048576\r\n" + std::string(1 << 20, 'x') + "\r\n", &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0].text.size(), 1u << 20);
  std::string wide = "*1024\r\n";
  for (int i = 0; i < 1024; ++i) wide += ":1\r\n";
  const auto array = read_all(wide, &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0].elements.size(), 1024u);
}

TEST(RedisReplyTest, RefusesALineThatNeverEnds) {
  redis_reply_reader reader;
  reader.feed("+");
  const std::string chunk(64 * 1024, 'a');
  bool failed = false;
  for (int i = 0; i < 40 && !failed; ++i) {  // up to 2.5 MiB
    reader.feed(chunk);
    redis_reply reply;
    failed = reader.next(reply) == result::protocol_error;
  }
  EXPECT_TRUE(failed);
}

TEST(RedisReplyTest, RefusesDeepNesting) {
  auto nested = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "*1\r\n";
    return s + ":1\r\n";
  };
  EXPECT_FALSE(is_protocol_error(nested(4)));
  EXPECT_TRUE(is_protocol_error(nested(5)));
  EXPECT_TRUE(is_protocol_error(nested(9)));
  EXPECT_TRUE(is_protocol_error(nested(1000)));
  // Refused at the fifth header, before the rest arrives.
  EXPECT_TRUE(is_protocol_error("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"));
  redis_reader_limits flat;
  flat.max_depth = 1;
  EXPECT_FALSE(is_protocol_error("*2\r\n:1\r\n:2\r\n", flat));
  EXPECT_TRUE(is_protocol_error("*1\r\n*0\r\n", flat));
}

TEST(RedisReplyTest, RefusesRepliesLargerThanTheBudget) {
  // 1024 strings of 4 KiB: each within limits, 4 MiB together.
  std::string many = "*1024\r\n";
  const std::string element = "$4096\r\n" + std::string(4096, 'y') + "\r\n";
  for (int i = 0; i < 1024; ++i) many += element;
  EXPECT_TRUE(is_protocol_error(many));
  // The budget is per reply: many small replies in a row are fine.
  std::string row;
  for (int i = 0; i < 600; ++i) row += element;
  bool error = false;
  EXPECT_EQ(read_all(row, &error).size(), 600u);
  EXPECT_FALSE(error);
}

TEST(RedisReplyTest, RandomBytesNeverCrash) {
  std::mt19937 random(12345);
  const std::string alphabet = "+-:$*0123456789\r\n-aZ";
  for (int round = 0; round < 3000; ++round) {
    std::string bytes;
    const auto length = random() % 64;
    for (unsigned i = 0; i < length; ++i) {
      bytes += random() % 4 == 0 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
    }
    redis_reply_reader reader;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      const std::size_t piece = std::min<std::size_t>(1 + random() % 8, bytes.size() - offset);
      reader.feed(std::string_view(bytes).substr(offset, piece));
      offset += piece;
      redis_reply reply;
      while (reader.next(reply) == result::reply) {
      }
    }
  }
  SUCCEED();
}

TEST(RedisCommandTest, FormatsBinarySafeArguments) {
  const std::string key("k\r\n\0x", 5);
  const std::vector<std::string_view> args = {"SET", key, ""};
  const redis_command command = redis_command::format(args);
  EXPECT_EQ(command.bytes(), "*3\r\n$3\r\nSET\r\n$5\r\n" + key + "\r\n$0\r\n\r\n");
  // A request is an array of bulk strings: the reader reads it back exactly.
  const auto replies = read_all(command.bytes());
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].elements.size(), 3u);
  EXPECT_EQ(replies[0].elements[1].text, key);
}

TEST(RedisCommandTest, ManyArgumentsAndNone) {
  std::vector<std::string> storage;
  for (int i = 0; i < 40; ++i) storage.push_back("arg" + std::to_string(i));
  const std::vector<std::string_view> args(storage.begin(), storage.end());
  const redis_command command = redis_command::format(args);
  bool error = false;
  const auto replies = read_all(command.bytes(), &error);
  ASSERT_FALSE(error);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].elements.size(), 40u);
  EXPECT_EQ(replies[0].elements[39].text, "arg39");
  EXPECT_TRUE(redis_command::format({}).empty());
  redis_command moved = redis_command::format(args);
  redis_command target = std::move(moved);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(target.bytes(), command.bytes());
}

}  // namespace
}  // namespace ferry
